/** Process entry of the admin CLI: `npm run admin -- …`. */
import { runAdmin } from './admin.js';

process.exitCode = await runAdmin(process.argv.slice(2));
