import { join } from "node:path";
import { open } from "../mod.ts";
import { runBackendTests } from "./backend_conformance.ts";
import { tempDir } from "./helpers.ts";

runBackendTests({
  name: "file",
  setup() {
    const { dir, remove } = tempDir();
    const path = join(dir, "store");
    return {
      open: (settings = {}) => open({ backend: "file", dir: path, ...settings }),
      persistent: true,
      cleanup: remove,
    };
  },
});
