// npm run contract: regenerate the published contract (docs/openapi.json) and the client's
// types (src/client/schema.ts) from what the server serves. Run it after changing any route;
// test/contract fails while either file is stale.
import fs from 'node:fs';
import { DOCUMENT_PATH, generatedTypes, servedDocument, TYPES_PATH } from './contract-lib.ts';

fs.writeFileSync(DOCUMENT_PATH, await servedDocument());
fs.writeFileSync(TYPES_PATH, generatedTypes(DOCUMENT_PATH));
process.stdout.write(`wrote ${DOCUMENT_PATH}\nwrote ${TYPES_PATH}\n`);
