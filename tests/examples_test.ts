/**
 * Tests of the three seed datastores rebuilt on quire (examples/), on every backend.
 *
 * @module
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { type Document, open, QuireError, type Ref, ref, type Store } from "../mod.ts";
import { SepiaStorage } from "../examples/sepia_storage.ts";
import { type Node, OrkestrDatastore, regionalKey } from "../examples/orkestr_datastore.ts";
import {
  type Asset,
  CatalogStore,
  catalogStoreUrl,
  openCatalogStore,
} from "../examples/pangolin_catalog.ts";

interface BackendCase {
  name: string;
  /** The URL to open, given a fresh temporary directory. */
  url: (dir: string) => string;
  /** Whether data outlives closing the store. */
  persistent: boolean;
}

const BACKENDS: BackendCase[] = [
  { name: "memory://", url: () => "memory://", persistent: false },
  { name: "sqlite::memory:", url: () => "sqlite::memory:", persistent: false },
  { name: "SQLite file", url: (dir) => `sqlite://${join(dir, "test.db")}`, persistent: true },
  { name: "file:// directory", url: (dir) => `file://${join(dir, "data")}`, persistent: true },
];

/** A temporary directory, removed after `fn` however it ends. */
async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), "quire-examples-"));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Opens a store of the backend on a fresh temporary directory and runs `fn`, which gets a way
 * to open the same data again (only meaningful for persistent backends). Every store opened is
 * closed at the end.
 */
async function withStore(
  backend: BackendCase,
  fn: (store: Store, reopen: () => Promise<Store>) => Promise<void>,
): Promise<void> {
  await withTempDir(async (dir) => {
    const opened: Store[] = [];
    const openOne = async () => {
      const store = await open(backend.url(dir));
      opened.push(store);
      return store;
    };
    try {
      await fn(await openOne(), openOne);
    } finally {
      for (const store of opened) await store.close();
    }
  });
}

/** Asserts that `promise` rejects with a QuireError of `code` whose message matches `message`. */
async function rejectsWith(
  promise: Promise<unknown>,
  code: string,
  message?: RegExp,
): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof QuireError, `expected a QuireError, got ${error}`);
    assert.equal(error.code, code, error.message);
    if (message !== undefined) assert.match(error.message, message);
    return true;
  });
}

// ---- Sepia ----

for (const backend of BACKENDS) {
  describe(`SepiaStorage on ${backend.name}`, () => {
    test("save, load, exists and delete round-trip objects", async () => {
      await withStore(backend, async (store) => {
        const storage = new SepiaStorage(store);
        const doc = {
          title: "Héllo 👋",
          tags: ["a", "b"],
          nested: { n: 1.5, ok: true, none: null },
          __proto__x: "plain",
        };
        const first = await storage.save("Document", "d/1", doc);
        assert.equal(first.rev, 1);
        assert.deepEqual(await storage.load("Document", "d/1"), doc);
        assert.equal(await storage.exists("Document", "d/1"), true);
        assert.equal(await storage.exists("Document", "d/2"), false);
        assert.equal(await storage.exists("Other", "d/1"), false);
        assert.equal(await storage.load("Document", "missing"), undefined);

        const second = await storage.save("Document", "d/1", { title: "Replaced" });
        assert.equal(second.rev, 2);
        assert.deepEqual(await storage.load("Document", "d/1"), { title: "Replaced" });

        assert.equal(await storage.delete("Document", "d/1"), true);
        assert.equal(await storage.delete("Document", "d/1"), false);
        assert.equal(await storage.exists("Document", "d/1"), false);
        assert.equal(await storage.load("Document", "d/1"), undefined);
      });
    });

    test("listAll, count and clear work per class and over every class", async () => {
      await withStore(backend, async (store) => {
        const storage = new SepiaStorage(store);
        for (const id of ["b", "a", "c/1", "é"]) await storage.save("Document", id, { id });
        await storage.save("Folder", "f1", { name: "one" });
        await storage.save("Folder", "f2", { name: "two" });

        assert.deepEqual(await storage.listAll("Document"), ["a", "b", "c/1", "é"]);
        assert.deepEqual(await storage.listAll("Folder"), ["f1", "f2"]);
        assert.deepEqual(await storage.listAll("Nothing"), []);
        assert.equal(await storage.count("Document"), 4);
        assert.equal(await storage.count("Folder"), 2);
        assert.equal(await storage.count(), 6);

        assert.equal(await storage.clear("Folder"), 2);
        assert.equal(await storage.count("Folder"), 0);
        assert.equal(await storage.count(), 4);
        assert.equal(await storage.clear(), 4);
        assert.equal(await storage.count(), 0);
        assert.deepEqual(await storage.listAll("Document"), []);
      });
    });

    // 1,234 saves: on the file backend, 1,234 files written and synced, seconds on a busy machine.
    test(
      "listAll pages through more objects than one page holds",
      { timeout: 60_000 },
      async () => {
        await withStore(backend, async (store) => {
          const storage = new SepiaStorage(store);
          const ids = Array.from({ length: 1234 }, (_, i) => `obj-${String(i).padStart(5, "0")}`);
          await store.transaction(async () => {
            for (const id of ids) await storage.save("Item", id, { id });
          });
          assert.deepEqual(await storage.listAll("Item"), ids);
          assert.equal(await storage.count(), ids.length);
        });
      },
    );

    test("loading a container resolves its children; a missing child is null", async () => {
      await withStore(backend, async (store) => {
        const storage = new SepiaStorage(store);
        await storage.save("Document", "d1", { title: "One" });
        await storage.save("Document", "d2", { title: "Two" });
        await storage.save("Folder", "sub", { name: "Sub", items: [ref("Document", "d2")] });
        await storage.save("Folder", "root", {
          name: "Root",
          items: [ref("Document", "d1"), ref("Document", "gone")],
          sub: ref("Folder", "sub"),
          elsewhere: ref("NoSuchClass", "x"),
        });

        assert.deepEqual(await storage.load("Folder", "root"), {
          name: "Root",
          items: [{ title: "One" }, null],
          sub: { name: "Sub", items: [{ title: "Two" }] },
          elsewhere: null,
        });
        // Depth 1 resolves only the container's own children.
        assert.deepEqual(await storage.load("Folder", "root", { depth: 1 }), {
          name: "Root",
          items: [{ title: "One" }, null],
          sub: { name: "Sub", items: [{ $ref: "Document", $id: "d2" }] },
          elsewhere: null,
        });
        // Depth 0 is the container as stored.
        assert.deepEqual(await storage.load("Folder", "root", { depth: 0 }), {
          name: "Root",
          items: [{ $ref: "Document", $id: "d1" }, { $ref: "Document", $id: "gone" }],
          sub: { $ref: "Folder", $id: "sub" },
          elsewhere: { $ref: "NoSuchClass", $id: "x" },
        });

        // Deleting a child leaves the container pointing at nothing.
        await storage.delete("Document", "d1");
        const root = await storage.load<{ items: unknown[] } & Document>("Folder", "root");
        assert.deepEqual(root?.items, [null, null]);
        const report = await store.check();
        assert.equal(report.ok, false);
        assert.deepEqual(
          report.problems.map((problem) => [problem.code, problem.id]).sort(),
          [["DANGLING_REF", "root"], ["DANGLING_REF", "root"], ["DANGLING_REF", "root"]],
        );
      });
    });

    test("a cycle of containers stops at the object already being loaded", async () => {
      await withStore(backend, async (store) => {
        const storage = new SepiaStorage(store);
        const a: Ref = ref("Folder", "a");
        await storage.save("Folder", "a", { name: "A", child: ref("Folder", "b"), self: a });
        await storage.save("Folder", "b", { name: "B", child: a });

        assert.deepEqual(await storage.load("Folder", "a"), {
          name: "A",
          child: { name: "B", child: { $ref: "Folder", $id: "a" } },
          self: { $ref: "Folder", $id: "a" },
        });
        assert.deepEqual(await storage.load("Folder", "b"), {
          name: "B",
          child: {
            name: "A",
            child: { $ref: "Folder", $id: "b" },
            self: { $ref: "Folder", $id: "a" },
          },
        });
      });
    });

    test("exportData and importData round-trip every class", async () => {
      await withStore(backend, async (store) => {
        const storage = new SepiaStorage(store);
        await storage.save("Document", "d1", { title: "One" });
        await storage.save("Document", "d1", { title: "One, edited" });
        await storage.save("Folder", "f1", { items: [ref("Document", "d1")] });

        const ndjson = await storage.exportData();
        const lines = ndjson.trimEnd().split("\n").map((line) => JSON.parse(line));
        assert.equal(lines.length, 3);
        assert.equal(lines[0].format, "quire-export");
        assert.deepEqual(
          lines.slice(1).map((line) => [line.collection, line.id, line.rev, line.doc]),
          [
            ["Document", "d1", 2, { title: "One, edited" }],
            ["Folder", "f1", 1, { items: [{ $ref: "Document", $id: "d1" }] }],
          ],
        );

        assert.equal(await storage.clear(), 2);
        const result = await storage.importData(ndjson);
        assert.deepEqual([result.imported, result.skipped, result.failed], [2, 0, []]);
        assert.deepEqual(await storage.load("Folder", "f1"), { items: [{ title: "One, edited" }] });
        assert.equal((await store.collection("Document").entry("d1"))?.rev, 2);

        // Importing again keeps what is there, unless told to replace.
        await storage.save("Document", "d1", { title: "Local change" });
        const again = await storage.importData(ndjson);
        assert.deepEqual([again.imported, again.skipped], [0, 2]);
        assert.deepEqual(await storage.load("Document", "d1"), { title: "Local change" });
        const replaced = await storage.importData(ndjson, { replace: true });
        assert.deepEqual([replaced.imported, replaced.skipped], [2, 0]);
        assert.deepEqual(await storage.load("Document", "d1"), { title: "One, edited" });
      });
    });

    test("exportRecords can be imported into another backend", async () => {
      await withStore(backend, async (store) => {
        const storage = new SepiaStorage(store);
        await storage.save("Document", "d1", { title: "One" });
        await storage.save("Folder", "f1", { items: [ref("Document", "d1")] });
        const records = await storage.exportRecords();
        assert.deepEqual(records.map((record) => `${record.collection}/${record.id}`), [
          "Document/d1",
          "Folder/f1",
        ]);

        await using copy = await SepiaStorage.open("memory://");
        const result = await copy.importData(records);
        assert.equal(result.imported, 2);
        assert.deepEqual(await copy.load("Folder", "f1"), { items: [{ title: "One" }] });
        assert.deepEqual(await copy.exportRecords(), records);
      });
    });

    test("class names and ids quire does not accept are refused", async () => {
      await withStore(backend, async (store) => {
        const storage = new SepiaStorage(store);
        await rejectsWith(storage.save("Sepia::Document", "d1", { a: 1 }), "INVALID_NAME");
        await rejectsWith(storage.save("Document", "", { a: 1 }), "INVALID_ID");
        assert.throws(
          () => ref("Document", "bad\u0000id"),
          (error: unknown) => error instanceof QuireError && error.code === "INVALID_ID",
        );
        assert.equal(await storage.count(), 0);
      });
    });

    if (backend.persistent) {
      test("objects survive closing and reopening the store", async () => {
        await withStore(backend, async (store, reopen) => {
          const storage = new SepiaStorage(store);
          await storage.save("Document", "d1", { title: "Kept" });
          await storage.save("Folder", "f1", { items: [ref("Document", "d1")] });
          await storage.close();
          const again = new SepiaStorage(await reopen());
          assert.deepEqual(await again.load("Folder", "f1"), { items: [{ title: "Kept" }] });
          assert.equal(await again.count(), 2);
        });
      });
    }
  });
}

// ---- Orkestr ----

for (const backend of BACKENDS) {
  describe(`OrkestrDatastore on ${backend.name}`, () => {
    test("the same node id lives separately in two regions", async () => {
      await withStore(backend, async (store) => {
        const datastore = new OrkestrDatastore(store);
        const west: Node = { nodeId: "node1", region: "us-west-2", status: "pending" };
        const east: Node = { nodeId: "node1", region: "us-east-1", status: "running" };
        await datastore.saveNode(west);
        await datastore.saveNode(east);

        assert.deepEqual(await datastore.getNode("node1", "us-west-2"), west);
        assert.deepEqual(await datastore.getNode("node1", "us-east-1"), east);
        assert.equal(await datastore.getNode("node1", "eu-central-1"), undefined);
        assert.deepEqual(await datastore.listNodes("us-west-2"), [west]);
        assert.deepEqual(await datastore.listNodes("us-east-1"), [east]);

        assert.equal(await datastore.deleteNode("node1", "us-west-2"), true);
        assert.equal(await datastore.deleteNode("node1", "us-west-2"), false);
        assert.equal(await datastore.getNode("node1", "us-west-2"), undefined);
        assert.deepEqual(await datastore.getNode("node1", "us-east-1"), east);
        assert.deepEqual(await store.collection("nodes").find(), {
          items: [
            {
              ...(await store.collection("nodes").entry("us-east-1/node1"))!,
              doc: east,
            },
          ],
        });
      });
    });

    // 1,303 documents in one transaction: on file:// about 2 s of fsyncs here, more under load.
    test("listNodes(region) returns exactly that region's nodes, across pages", {
      timeout: 60_000,
    }, async () => {
      await withStore(backend, async (store) => {
        const datastore = new OrkestrDatastore(store);
        // Regions whose names prefix each other, and node ids with "/" in them.
        const counts: Record<string, number> = { "eu": 600, "eu-2": 700, "us": 3 };
        await store.transaction(async () => {
          for (const [region, count] of Object.entries(counts)) {
            for (let i = 0; i < count; i++) {
              const nodeId = `rack/${i % 3}/n${String(i).padStart(4, "0")}`;
              await datastore.saveNode({ nodeId, region, index: i });
            }
          }
        });
        for (const [region, count] of Object.entries(counts)) {
          const nodes = await datastore.listNodes(region);
          assert.equal(nodes.length, count, region);
          assert.ok(nodes.every((node) => node.region === region), region);
          const ids = nodes.map((node) => node.nodeId);
          assert.deepEqual(ids, [...ids].sort(), region);
          assert.equal(new Set(ids).size, count, region);
        }
        assert.deepEqual(await datastore.listNodes("ap"), []);
        assert.deepEqual(await datastore.listNodes("e"), []);
        const all = await datastore.listNodes();
        assert.equal(all.length, 1303);
        assert.deepEqual(
          all.map((node) => regionalKey(node.region, node.nodeId)),
          all.map((node) => regionalKey(node.region, node.nodeId)).sort(),
        );
      });
    });

    test("node specs and clusters are keyed by id and region too", async () => {
      await withStore(backend, async (store) => {
        const datastore = new OrkestrDatastore(store);
        const specWest = { nodeSpecId: "gpu", region: "west", instanceType: "g5.xlarge" };
        const specEast = { nodeSpecId: "gpu", region: "east", instanceType: "g4dn.xlarge" };
        await datastore.saveNodeSpec(specWest);
        await datastore.saveNodeSpec(specEast);
        assert.deepEqual(await datastore.getNodeSpec("gpu", "west"), specWest);
        assert.deepEqual(await datastore.getNodeSpec("gpu", "east"), specEast);
        assert.deepEqual(await datastore.listNodeSpecs("east"), [specEast]);
        assert.deepEqual(await datastore.listNodeSpecs(), [specEast, specWest]);
        assert.equal(await datastore.deleteNodeSpec("gpu", "east"), true);
        assert.deepEqual(await datastore.listNodeSpecs(), [specWest]);

        const cluster = { clusterId: "c1", region: "west", nodeIds: ["n1", "n2"] };
        await datastore.saveCluster(cluster);
        await datastore.saveCluster({ clusterId: "c1", region: "east" });
        assert.deepEqual(await datastore.getCluster("c1", "west"), cluster);
        assert.deepEqual(await datastore.listClusters("west"), [cluster]);
        assert.equal((await datastore.listClusters()).length, 2);
        assert.equal(await datastore.deleteCluster("c1", "west"), true);
        assert.equal(await datastore.getCluster("c1", "west"), undefined);
        assert.deepEqual(await datastore.getCluster("c1", "east"), {
          clusterId: "c1",
          region: "east",
        });
        // Each entity has its own collection: no node was written.
        assert.deepEqual(await datastore.listNodes(), []);
      });
    });

    test("services are keyed by id alone", async () => {
      await withStore(backend, async (store) => {
        const datastore = new OrkestrDatastore(store);
        await datastore.saveService({ serviceId: "web", replicas: 2 });
        await datastore.saveService({ serviceId: "api/v1", replicas: 1 });
        assert.deepEqual(await datastore.getService("web"), { serviceId: "web", replicas: 2 });
        assert.deepEqual(
          (await datastore.listServices()).map((service) => service.serviceId),
          ["api/v1", "web"],
        );
        await datastore.saveService({ serviceId: "web", replicas: 3 });
        assert.equal((await datastore.getService("web"))?.replicas, 3);
        assert.equal(await datastore.deleteService("web"), true);
        assert.equal(await datastore.getService("web"), undefined);
        assert.equal((await datastore.listServices()).length, 1);
      });
    });

    test("bad regions and entities without ids are refused", async () => {
      await withStore(backend, async (store) => {
        const datastore = new OrkestrDatastore(store);
        await rejectsWith(
          datastore.saveNode({ nodeId: "n1", region: "us/west" }),
          "INVALID_ID",
          /region "us\/west"/,
        );
        await rejectsWith(datastore.saveNode({ nodeId: "n1", region: "" }), "INVALID_ID");
        await rejectsWith(datastore.getNode("n1", "a/b"), "INVALID_ID");
        await rejectsWith(datastore.listNodes("a/b"), "INVALID_ID");
        await rejectsWith(
          datastore.saveNode({ region: "west" } as unknown as Node),
          "INVALID_DOCUMENT",
          /nodeId/,
        );
        await rejectsWith(datastore.saveService({} as never), "INVALID_DOCUMENT", /serviceId/);
        assert.deepEqual(await datastore.listNodes(), []);
      });
    });

    test("provisionCluster writes the cluster, its nodes and its service together", async () => {
      await withStore(backend, async (store) => {
        const datastore = new OrkestrDatastore(store);
        await datastore.saveService({ serviceId: "llm" });
        await datastore.provisionCluster(
          { clusterId: "c1", region: "west", serviceId: "llm" },
          [{ nodeId: "n1", region: "west" }, { nodeId: "n2", region: "west" }],
        );
        assert.deepEqual(await datastore.getCluster("c1", "west"), {
          clusterId: "c1",
          region: "west",
          serviceId: "llm",
          nodeIds: ["n1", "n2"],
        });
        assert.deepEqual(await datastore.listNodes("west"), [
          { nodeId: "n1", region: "west", clusterId: "c1" },
          { nodeId: "n2", region: "west", clusterId: "c1" },
        ]);
        assert.deepEqual(await datastore.getService("llm"), {
          serviceId: "llm",
          clusters: [{ clusterId: "c1", region: "west" }],
        });
        // Provisioning again does not list the cluster twice.
        await datastore.provisionCluster(
          { clusterId: "c1", region: "west", serviceId: "llm" },
          [{ nodeId: "n1", region: "west" }],
        );
        assert.deepEqual((await datastore.getService("llm"))?.clusters, [
          { clusterId: "c1", region: "west" },
        ]);
      });
    });

    test("a failing provisionCluster writes nothing", async () => {
      await withStore(backend, async (store, reopen) => {
        const datastore = new OrkestrDatastore(store);
        await datastore.saveNode({ nodeId: "n1", region: "west", status: "old" });
        await rejectsWith(
          datastore.provisionCluster(
            { clusterId: "c1", region: "west", serviceId: "missing" },
            [{ nodeId: "n1", region: "west", status: "new" }, { nodeId: "n2", region: "west" }],
          ),
          "NOT_FOUND",
          /service "missing" does not exist/,
        );
        await rejectsWith(
          datastore.provisionCluster(
            { clusterId: "c2", region: "west" },
            [{ nodeId: "n3", region: "west" }, { nodeId: "n4", region: "east" }],
          ),
          "INVALID_DOCUMENT",
          /region "east"/,
        );
        const check = async (target: OrkestrDatastore) => {
          assert.deepEqual(await target.listNodes(), [
            { nodeId: "n1", region: "west", status: "old" },
          ]);
          assert.deepEqual(await target.listClusters(), []);
          assert.deepEqual(await target.listServices(), []);
        };
        await check(datastore);
        if (backend.persistent) {
          await datastore.close();
          await check(new OrkestrDatastore(await reopen()));
        }
      });
    });

    test("concurrent updateNode calls lose no update", async () => {
      await withStore(backend, async (store) => {
        const datastore = new OrkestrDatastore(store);
        await datastore.saveNode({ nodeId: "n1", region: "west", restarts: 0 });
        await Promise.all(
          Array.from({ length: 25 }, () =>
            datastore.updateNode("n1", "west", async (node) => {
              // Yield between the read and the write, where a lock-free version would interleave.
              await new Promise((resolve) => setTimeout(resolve, 0));
              return { ...node, restarts: (node.restarts as number) + 1 };
            })),
        );
        assert.equal((await datastore.getNode("n1", "west"))?.restarts, 25);
        assert.equal((await store.collection("nodes").entry("west/n1"))?.rev, 26);

        await rejectsWith(
          datastore.updateNode("n1", "east", (node) => node),
          "NOT_FOUND",
          /no node "n1" in region "east"/,
        );
        await rejectsWith(
          datastore.updateNode("n1", "west", (node) => ({ ...node, region: "east" })),
          "INVALID_DOCUMENT",
        );
        assert.equal(await datastore.getNode("n1", "east"), undefined);
      });
    });

    if (backend.persistent) {
      test("entities survive closing and reopening the store", async () => {
        await withStore(backend, async (store, reopen) => {
          const datastore = new OrkestrDatastore(store);
          await datastore.saveNode({ nodeId: "n1", region: "west" });
          await datastore.saveService({ serviceId: "s1" });
          await datastore.close();
          const again = new OrkestrDatastore(await reopen());
          assert.deepEqual(await again.getNode("n1", "west"), { nodeId: "n1", region: "west" });
          assert.deepEqual(await again.listServices(), [{ serviceId: "s1" }]);
        });
      });
    }
  });
}

// ---- Pangolin ----

/** Fills a catalog store: two tenants (t1 and t10, whose ids prefix each other). */
async function seedCatalog(catalogs: CatalogStore): Promise<Asset[]> {
  for (const id of ["t1", "t10"]) {
    await catalogs.createTenant({ id, name: `Tenant ${id}` });
    await catalogs.createWarehouse({
      tenantId: id,
      name: "wh",
      useSts: false,
      storageConfig: { bucket: id },
    });
  }
  await catalogs.createCatalog({
    tenantId: "t1",
    name: "sales",
    warehouseName: "wh",
    storageLocation: "s3://t1/sales",
  });
  await catalogs.createCatalog({
    tenantId: "t1",
    name: "hr",
    warehouseName: "wh",
    storageLocation: "s3://t1/hr",
    properties: { owner: "ann" },
  });
  await catalogs.createCatalog({
    tenantId: "t10",
    name: "other",
    warehouseName: "wh",
    storageLocation: "s3://t10/other",
  });
  for (const name of ["eu", "us", "eu.archive"]) {
    await catalogs.createNamespace({ tenantId: "t1", catalogName: "sales", name });
  }
  await catalogs.createNamespace({ tenantId: "t1", catalogName: "hr", name: "eu" });
  const assets: Asset[] = [];
  for (const [namespaceName, name] of [["eu", "orders"], ["eu", "customers"], ["us", "orders"]]) {
    assets.push(
      await catalogs.createAsset({
        tenantId: "t1",
        catalogName: "sales",
        namespaceName,
        name,
        assetType: "ICEBERG_TABLE",
        metadataLocation: `s3://t1/sales/${namespaceName}/${name}/v1.json`,
      }),
    );
  }
  return assets;
}

describe("Pangolin DATABASE_URL selection", () => {
  test("catalogStoreUrl maps DATABASE_URL to a quire URL", () => {
    const cases: [string | undefined, string][] = [
      ["sqlite://pangolin.db", "sqlite://pangolin.db"],
      ["sqlite:///var/lib/pangolin.db", "sqlite:///var/lib/pangolin.db"],
      ["sqlite::memory:", "sqlite::memory:"],
      [undefined, "memory://"],
      ["", "memory://"],
      ["sqlite://", "memory://"],
      ["postgres://user:secret@db/pangolin", "memory://"],
      ["mongodb://localhost", "memory://"],
      ["file:///tmp/x", "memory://"],
    ];
    for (const [input, expected] of cases) assert.equal(catalogStoreUrl(input), expected, input);
  });

  test("openCatalogStore opens the backend the URL names", async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "pangolin.db");
      await using file = await openCatalogStore(`sqlite://${path}`);
      assert.equal(file.backend, "sqlite");
      await file.createTenant({ id: "t1", name: "One" });
      await file.close();
      assert.equal(existsSync(path), true);
      await using reopened = await openCatalogStore(`sqlite://${path}`);
      assert.deepEqual(await reopened.getTenant("t1"), { id: "t1", name: "One" });
      await reopened.close();

      await using memorySqlite = await openCatalogStore("sqlite::memory:");
      assert.equal(memorySqlite.backend, "sqlite");
      await using postgres = await openCatalogStore("postgres://user:pw@host/db");
      assert.equal(postgres.backend, "memory");
    });
  });

  test("openCatalogStore() reads DATABASE_URL", async () => {
    const saved = process.env.DATABASE_URL;
    try {
      await withTempDir(async (dir) => {
        const path = join(dir, "env.db");
        process.env.DATABASE_URL = `sqlite://${path}`;
        await using fromEnv = await openCatalogStore();
        assert.equal(fromEnv.backend, "sqlite");
        await fromEnv.createTenant({ id: "t1", name: "One" });
        await fromEnv.close();
        assert.equal(existsSync(path), true);

        process.env.DATABASE_URL = "sqlite::memory:";
        await using memorySqlite = await openCatalogStore();
        assert.equal(memorySqlite.backend, "sqlite");
        assert.equal(await memorySqlite.getTenant("t1"), undefined);

        delete process.env.DATABASE_URL;
        await using unset = await openCatalogStore();
        assert.equal(unset.backend, "memory");
      });
    } finally {
      if (saved === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved;
    }
  });
});

for (const backend of BACKENDS) {
  describe(`CatalogStore on ${backend.name}`, () => {
    test("lists catalogs of a tenant, namespaces of a catalog, assets of a namespace", async () => {
      await withStore(backend, async (store) => {
        const catalogs = new CatalogStore(store);
        await seedCatalog(catalogs);

        assert.deepEqual((await catalogs.listTenants()).map((t) => t.id), ["t1", "t10"]);
        assert.deepEqual((await catalogs.listWarehouses("t1")).map((w) => w.name), ["wh"]);
        assert.deepEqual(await catalogs.listCatalogs("t1"), [
          {
            tenantId: "t1",
            name: "hr",
            warehouseName: "wh",
            storageLocation: "s3://t1/hr",
            properties: { owner: "ann" },
          },
          { tenantId: "t1", name: "sales", warehouseName: "wh", storageLocation: "s3://t1/sales" },
        ]);
        assert.deepEqual((await catalogs.listCatalogs("t10")).map((c) => c.name), ["other"]);
        assert.deepEqual(await catalogs.listCatalogs("t2"), []);
        assert.deepEqual(
          (await catalogs.listNamespaces("t1", "sales")).map((n) => n.name),
          ["eu", "eu.archive", "us"],
        );
        assert.deepEqual((await catalogs.listNamespaces("t1", "hr")).map((n) => n.name), ["eu"]);
        assert.deepEqual(await catalogs.listNamespaces("t10", "other"), []);
        assert.deepEqual(
          (await catalogs.listAssets("t1", "sales", "eu")).map((a) => a.name),
          ["customers", "orders"],
        );
        assert.deepEqual((await catalogs.listAssets("t1", "sales", "us")).map((a) => a.name), [
          "orders",
        ]);
        assert.deepEqual(await catalogs.listAssets("t1", "sales", "eu.archive"), []);
        assert.deepEqual(await catalogs.listAssets("t1", "hr", "eu"), []);
      });
    });

    test("gets tenants, catalogs, namespaces and assets by key and by id", async () => {
      await withStore(backend, async (store) => {
        const catalogs = new CatalogStore(store);
        const assets = await seedCatalog(catalogs);

        assert.deepEqual(await catalogs.getTenant("t10"), { id: "t10", name: "Tenant t10" });
        assert.equal(await catalogs.getTenant("t2"), undefined);
        assert.deepEqual(await catalogs.getWarehouse("t10", "wh"), {
          tenantId: "t10",
          name: "wh",
          useSts: false,
          storageConfig: { bucket: "t10" },
        });
        assert.equal((await catalogs.getCatalog("t1", "sales"))?.storageLocation, "s3://t1/sales");
        assert.equal(await catalogs.getCatalog("t10", "sales"), undefined);
        assert.deepEqual(await catalogs.getNamespace("t1", "sales", "us"), {
          tenantId: "t1",
          catalogName: "sales",
          name: "us",
        });

        const ids = new Set(assets.map((asset) => asset.id));
        assert.equal(ids.size, 3);
        for (const asset of assets) {
          assert.match(asset.id, /^[0-9a-f-]{36}$/);
          assert.deepEqual(await catalogs.getAsset(asset.id), asset);
        }
        assert.equal(await catalogs.getAsset("no-such-id"), undefined);

        const chosen = await catalogs.createAsset({
          id: "asset/with/slashes",
          tenantId: "t1",
          catalogName: "hr",
          namespaceName: "eu",
          name: "people",
          assetType: "VIEW",
        });
        assert.equal(chosen.id, "asset/with/slashes");
        assert.deepEqual(await catalogs.getAsset("asset/with/slashes"), chosen);

        assert.equal(await catalogs.deleteAsset(assets[0].id), true);
        assert.equal(await catalogs.deleteAsset(assets[0].id), false);
        assert.equal(await catalogs.getAsset(assets[0].id), undefined);
        assert.deepEqual(
          (await catalogs.listAssets("t1", "sales", "eu")).map((a) => a.name),
          ["customers"],
        );
        assert.equal((await store.check()).ok, true);
      });
    });

    test("creating anything twice is a CONFLICT and changes nothing", async () => {
      await withStore(backend, async (store) => {
        const catalogs = new CatalogStore(store);
        const [orders] = await seedCatalog(catalogs);

        await rejectsWith(
          catalogs.createTenant({ id: "t1", name: "Again" }),
          "CONFLICT",
          /^Tenant "t1" already exists$/,
        );
        assert.deepEqual(await catalogs.getTenant("t1"), { id: "t1", name: "Tenant t1" });
        await rejectsWith(
          catalogs.createWarehouse({ tenantId: "t1", name: "wh", useSts: true, storageConfig: {} }),
          "CONFLICT",
          /warehouse "wh" of tenant "t1" already exists/,
        );
        assert.equal((await catalogs.getWarehouse("t1", "wh"))?.useSts, false);
        await rejectsWith(
          catalogs.createCatalog({
            tenantId: "t1",
            name: "sales",
            warehouseName: "wh",
            storageLocation: "s3://elsewhere",
          }),
          "CONFLICT",
          /catalog "sales" of tenant "t1" already exists/,
        );
        assert.equal((await catalogs.getCatalog("t1", "sales"))?.storageLocation, "s3://t1/sales");
        await rejectsWith(
          catalogs.createNamespace({ tenantId: "t1", catalogName: "sales", name: "eu" }),
          "CONFLICT",
          /Namespace "eu" of catalog "sales" already exists/,
        );
        // An asset of the same name in the same namespace...
        await rejectsWith(
          catalogs.createAsset({
            tenantId: "t1",
            catalogName: "sales",
            namespaceName: "eu",
            name: "orders",
            assetType: "VIEW",
          }),
          "CONFLICT",
          /Asset "orders" of namespace "eu" already exists/,
        );
        // ...or with an id already taken elsewhere: the asset row is rolled back too.
        await rejectsWith(
          catalogs.createAsset({
            id: orders.id,
            tenantId: "t1",
            catalogName: "hr",
            namespaceName: "eu",
            name: "copy",
            assetType: "VIEW",
          }),
          "CONFLICT",
          /id ".+" already exists/,
        );
        assert.deepEqual(await catalogs.listAssets("t1", "hr", "eu"), []);
        assert.deepEqual(await catalogs.getAsset(orders.id), orders);
        assert.equal(await store.collection("assets").count(), 3);
        assert.equal(await store.collection("asset_ids").count(), 3);
      });
    });

    test("a catalog needs an existing tenant and warehouse", async () => {
      await withStore(backend, async (store) => {
        const catalogs = new CatalogStore(store);
        await catalogs.createTenant({ id: "t1", name: "One" });
        await rejectsWith(
          catalogs.createCatalog({
            tenantId: "t1",
            name: "sales",
            warehouseName: "wh",
            storageLocation: "s3://x",
          }),
          "NOT_FOUND",
          /^Cannot create catalog "sales": tenant "t1" has no warehouse "wh"$/,
        );
        await rejectsWith(
          catalogs.createCatalog({
            tenantId: "nobody",
            name: "sales",
            warehouseName: "wh",
            storageLocation: "s3://x",
          }),
          "NOT_FOUND",
          /^Cannot create catalog "sales": tenant "nobody" does not exist$/,
        );
        await rejectsWith(
          catalogs.createWarehouse({
            tenantId: "nobody",
            name: "wh",
            useSts: false,
            storageConfig: {},
          }),
          "NOT_FOUND",
          /tenant "nobody" does not exist/,
        );
        // A warehouse of another tenant does not count.
        await catalogs.createTenant({ id: "t2", name: "Two" });
        await catalogs.createWarehouse({
          tenantId: "t2",
          name: "wh",
          useSts: false,
          storageConfig: {},
        });
        await rejectsWith(
          catalogs.createCatalog({
            tenantId: "t1",
            name: "sales",
            warehouseName: "wh",
            storageLocation: "s3://x",
          }),
          "NOT_FOUND",
        );
        await rejectsWith(
          catalogs.createNamespace({ tenantId: "t1", catalogName: "sales", name: "eu" }),
          "NOT_FOUND",
          /has no catalog "sales"/,
        );
        await rejectsWith(
          catalogs.createAsset({
            tenantId: "t1",
            catalogName: "sales",
            namespaceName: "eu",
            name: "orders",
            assetType: "ICEBERG_TABLE",
          }),
          "NOT_FOUND",
          /has no namespace "eu"/,
        );
        assert.deepEqual(await catalogs.listCatalogs("t1"), []);
        assert.equal(await catalogs.getCatalog("nobody", "sales"), undefined);
        assert.equal(await catalogs.getTenant("nobody"), undefined);
        assert.equal(await store.collection("catalogs").count(), 0);
        assert.equal(await store.collection("assets").count(), 0);

        await catalogs.createWarehouse({
          tenantId: "t1",
          name: "wh",
          useSts: false,
          storageConfig: {},
        });
        await catalogs.createCatalog({
          tenantId: "t1",
          name: "sales",
          warehouseName: "wh",
          storageLocation: "s3://x",
        });
        assert.deepEqual((await catalogs.listCatalogs("t1")).map((c) => c.name), ["sales"]);
      });
    });

    test("key parts with '/' are refused", async () => {
      await withStore(backend, async (store) => {
        const catalogs = new CatalogStore(store);
        await catalogs.createTenant({ id: "t1", name: "One" });
        await rejectsWith(
          catalogs.createWarehouse({
            tenantId: "t1",
            name: "a/b",
            useSts: false,
            storageConfig: {},
          }),
          "INVALID_ID",
          /"a\/b"/,
        );
        await rejectsWith(catalogs.listNamespaces("t1", "x/y"), "INVALID_ID");
        await rejectsWith(catalogs.getCatalog("t1", ""), "INVALID_ID");
        assert.deepEqual(await catalogs.listWarehouses("t1"), []);
      });
    });

    if (backend.persistent) {
      test("the catalog survives closing and reopening the store", async () => {
        await withStore(backend, async (store, reopen) => {
          const catalogs = new CatalogStore(store);
          const assets = await seedCatalog(catalogs);
          await catalogs.close();
          const again = new CatalogStore(await reopen());
          assert.deepEqual((await again.listCatalogs("t1")).map((c) => c.name), ["hr", "sales"]);
          assert.deepEqual(await again.getAsset(assets[2].id), assets[2]);
          await rejectsWith(again.createTenant({ id: "t1", name: "Again" }), "CONFLICT");
        });
      });
    }
  });
}
