/**
 * The CLI behind Cloudflare Access: a stand-in for Access in front of a
 * real local router (a Node proxy that, like Access, answers a request
 * without a service token with a redirect to its login page, and passes
 * one with the right CF-Access-Client-Id / CF-Access-Client-Secret). Without
 * the token the CLI says Access answered and what to set; with it, the
 * command goes through; a wrong one is named as refused by Access.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliRouter, startCliRouter } from "./cli-support.ts";

const ID = "0123abcd.access";
const SECRET = "service-token-secret";
let router: CliRouter;
let access: Server;
let accessUrl: string;

beforeAll(async () => {
  router = await startCliRouter();
  const doc = {
    service: "behind-access",
    version: 1,
    updatedAt: new Date().toISOString(),
    updatedBy: "test",
    origins: { blue: { url: "http://127.0.0.1:9/blue" } },
    live: "blue",
  };
  await router.put(doc);
  access = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://access");
    if (url.pathname.startsWith("/cdn-cgi/access/login")) {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<html><title>Sign in ・ Cloudflare Access</title><form>...</form></html>");
      return;
    }
    if (
      req.headers["cf-access-client-id"] !== ID ||
      req.headers["cf-access-client-secret"] !== SECRET
    ) {
      res.writeHead(302, {
        location: `/cdn-cgi/access/login/router.example?redirect_url=${url.pathname}`,
      });
      res.end();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (typeof v === "string" && !k.startsWith("cf-access-") && k !== "host") headers[k] = v;
    const answer = await fetch(`${router.url}${req.url}`, {
      method: req.method,
      headers,
      ...(chunks.length ? { body: Buffer.concat(chunks) } : {}),
    });
    res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "" });
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((r) => access.listen(0, "127.0.0.1", r));
  accessUrl = `http://127.0.0.1:${(access.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => access?.close(r));
  await router?.dispose();
});

describe("the CLI behind Cloudflare Access", () => {
  it("without a service token: names Access and what to set", async () => {
    const run = await router.cli(["status", "behind-access", "--url", accessUrl]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("answered with Cloudflare Access's login page, not the router");
    expect(run.stderr).toContain("set CF_ACCESS_CLIENT_ID and CF_ACCESS_CLIENT_SECRET");
  });

  it("with CF_ACCESS_CLIENT_ID / CF_ACCESS_CLIENT_SECRET: reads and writes go through", async () => {
    const env = { CF_ACCESS_CLIENT_ID: ID, CF_ACCESS_CLIENT_SECRET: SECRET };
    const status = await router.cli(
      ["status", "behind-access", "--url", accessUrl, "--summary"],
      env,
    );
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain("behind-access");
    const history = await router.cli(["history", "behind-access", "--url", accessUrl], env);
    expect(history.code, history.stderr).toBe(0);
  });

  it("a token Access refuses is named as such", async () => {
    const env = { CF_ACCESS_CLIENT_ID: ID, CF_ACCESS_CLIENT_SECRET: "wrong" };
    const run = await router.cli(["status", "behind-access", "--url", accessUrl], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("Access refused the service token");
  });
});
