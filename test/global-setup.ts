/**
 * Starts the test model origins (a real Node HTTP server) before the workerd
 * tests run and hands their base URL to the tests through `inject("originBase")`.
 */
import type { TestProject } from "vitest/node";
import { startDemoOrigins } from "./support/stack/demo-origins.ts";
import { testModels } from "./test-models.ts";

declare module "vitest" {
  export interface ProvidedContext {
    originBase: string;
  }
}

export default async function setup(project: TestProject) {
  const origins = await startDemoOrigins(testModels);
  project.provide("originBase", `http://127.0.0.1:${origins.port}`);
  return () => origins.close();
}
