import { open } from "../mod.ts";
import { runBackendTests } from "./backend_conformance.ts";

runBackendTests({
  name: "memory",
  setup: () => ({
    open: (settings = {}) => open({ backend: "memory", ...settings }),
    persistent: false,
    cleanup: () => {},
  }),
});
