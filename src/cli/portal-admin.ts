/** Process entry of the admin CLI: `npm run admin -- …`. */
import { runAdmin } from './commands.js';

process.exitCode = await runAdmin(process.argv.slice(2));
