/**
 * Every generated reference page: its path in the repository and its text,
 * rendered from the code. `npm run docs` writes them; the docs test
 * renders them in memory and fails when a committed page differs.
 *
 * Layer: script (docs).
 */
import { ADMIN_API_PAGE, OPENAPI_FILE, renderAdminApi, renderOpenApiJson } from "./admin-api.ts";
import { CLI_PAGE, renderCli } from "./cli.ts";
import { ROUTING_DOCUMENT_PAGE, renderRoutingDocument } from "./routing-document.ts";

export interface Page {
  /** Relative to the repository root. */
  path: string;
  text: string;
}

export async function generatedPages(): Promise<Page[]> {
  return [
    { path: ROUTING_DOCUMENT_PAGE, text: renderRoutingDocument() },
    { path: CLI_PAGE, text: await renderCli() },
    { path: ADMIN_API_PAGE, text: renderAdminApi() },
    { path: OPENAPI_FILE, text: await renderOpenApiJson() },
  ];
}
