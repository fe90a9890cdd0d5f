// Prints the TypeScript types of an OpenAPI document (path given as the argument) on stdout.
// openapi-typescript drives the TypeScript 5 compiler API, which TypeScript 7 (the project's
// compiler) no longer has, so it lives in this workspace with its own TypeScript 5.
import fs from 'node:fs';
import openapiTS, { astToString } from 'openapi-typescript';

const [file] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node tools/openapi-types/generate.mjs OPENAPI.json\n');
  process.exit(2);
}
const document = JSON.parse(fs.readFileSync(file, 'utf8'));
const ast = await openapiTS(document, { alphabetize: false, exportType: false });
process.stdout.write(astToString(ast));
