/**
 * The methods this read-only API answers, named once: the method guard refuses the others, CORS allows these,
 * and every 405 lists them in `Allow`.
 */
export const ALLOWED_METHODS: readonly string[] = ['GET', 'HEAD', 'OPTIONS'];
