declare module "*.sql" {
  const sql: string;
  export default sql;
}
declare module "*/migrations.js" {
  const migrations: {
    journal: { entries: { idx: number; when: number; tag: string; breakpoints: boolean }[] };
    migrations: Record<string, string>;
  };
  export default migrations;
}

declare namespace Cloudflare {
  interface GlobalProps {
    mainModule: typeof import("./index");
    durableNamespaces: "ChatSession" | "UserSessions";
  }
}

type EdgechatEnv = import("./worker-env").Env;
declare namespace Cloudflare {
  interface Env extends EdgechatEnv {}
}

/**
 * The part of `node:buffer` (nodejs_compat in workerd; Node in the pure tests) this code uses: native
 * base64 for file bytes. Declared here rather than pulling all of @types/node into the Worker's types.
 */
declare module "node:buffer" {
  export class Buffer extends Uint8Array {
    static from(data: string, encoding: "base64"): Buffer;
    static from(data: ArrayBufferLike, byteOffset?: number, length?: number): Buffer;
    toString(encoding: "base64"): string;
  }
}
