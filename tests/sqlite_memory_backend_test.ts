import { open } from "../mod.ts";
import { runBackendTests } from "./backend_conformance.ts";

runBackendTests({
  name: "sqlite::memory:",
  setup: () => ({
    open: (settings = {}) => open({ backend: "sqlite", path: ":memory:", ...settings }),
    persistent: false,
    cleanup: () => {},
  }),
});
