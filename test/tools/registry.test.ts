import { describe, expect, it } from "vitest";
import { z } from "zod";
import { BUILT_IN_TOOLS, enabledTools } from "../../src/agent/tools/registry";

describe("registry", () => {
  it("holds the four built-in tools under unique names, and enables a subset by name", () => {
    expect(BUILT_IN_TOOLS.map((tool) => tool.name)).toEqual(["current_time", "calculator", "fetch_url", "wait"]);
    expect([...enabledTools(["wait", "calculator", "nope"]).keys()].sort()).toEqual(["calculator", "wait"]);
    expect(enabledTools("all").size).toBe(4);
  });

  it("gives Claude an object JSON Schema with a description for every input field", () => {
    for (const tool of BUILT_IN_TOOLS) {
      const schema = z.toJSONSchema(tool.inputSchema, { io: "input" }) as {
        type: string;
        properties: Record<string, { description?: string }>;
      };
      expect(schema.type).toBe("object");
      expect(Object.keys(schema.properties).length).toBeGreaterThan(0);
      for (const [field, property] of Object.entries(schema.properties)) {
        expect(property.description, `${tool.name}.${field}`).toMatch(/\w{3,}/);
      }
      expect(tool.description.length).toBeGreaterThan(40);
    }
  });
});
