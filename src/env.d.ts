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
