/**
 * Orkestr's SQLite datastore rebuilt on quire: nodes, node specs and clusters keyed by id and
 * region, services keyed by id.
 *
 * Orkestr planned one table per entity with an `(id, region)` key and a threading lock around
 * every call. Here each entity is a quire collection (`nodes`, `node_specs`, `clusters`,
 * `services`); a regional entity's document id is `${region}/${id}`, so the same node id can
 * live in two regions. Regions may not contain "/" (that keeps the key unambiguous); entity ids
 * may, since quire accepts "/" in ids on every backend. The document itself keeps `region` and
 * its own id field, so what `get` returns is what `save` was given.
 *
 * Concurrency: every quire call is atomic on its own, and `store.transaction` makes a group of
 * calls all-or-nothing and runs it alone, so read-modify-write updates
 * ({@linkcode OrkestrDatastore.updateNode}) and multi-entity changes
 * ({@linkcode OrkestrDatastore.provisionCluster}) need no lock of their own.
 *
 * @example
 * ```ts
 * import { OrkestrDatastore } from "./orkestr_datastore.ts";
 *
 * await using datastore = await OrkestrDatastore.open("sqlite::memory:");
 * await datastore.saveNode({ nodeId: "node1", region: "us-west-2", status: "running" });
 * console.log(await datastore.getNode("node1", "us-west-2"));
 * ```
 *
 * Run the demo: `bun examples/orkestr_datastore.ts` or `deno run -A examples/orkestr_datastore.ts`.
 *
 * @module
 */

import {
  type Collection,
  type Document,
  type Meta,
  open,
  QuireError,
  type Store,
  type Transaction,
} from "../mod.ts";

/** A machine in a region. Any other JSON fields may be added. */
export type Node = Document & {
  nodeId: string;
  region: string;
  status?: string;
  nodeSpecId?: string;
  clusterId?: string;
};

/** What a node looks like (instance type, size). Any other JSON fields may be added. */
export type NodeSpec = Document & {
  nodeSpecId: string;
  region: string;
  instanceType?: string;
};

/** A group of nodes in a region. Any other JSON fields may be added. */
export type Cluster = Document & {
  clusterId: string;
  region: string;
  serviceId?: string;
  nodeIds?: string[];
};

/** A service, served by clusters in any region. Any other JSON fields may be added. */
export type Service = Document & {
  serviceId: string;
  clusters?: { clusterId: string; region: string }[];
};

// Page size used when listing.
const PAGE = 500;

/** Collection names, one per entity, as Orkestr named its tables. */
export const COLLECTIONS = {
  nodes: "nodes",
  nodeSpecs: "node_specs",
  clusters: "clusters",
  services: "services",
} as const;

/**
 * The document id of a regional entity: `${region}/${id}`.
 * @throws {QuireError} `INVALID_ID` when the region is empty or contains "/".
 */
export function regionalKey(region: string, id: string): string {
  if (typeof region !== "string" || region === "" || region.includes("/")) {
    throw new QuireError(
      "INVALID_ID",
      `Invalid region ${JSON.stringify(region)}: expected a non-empty string without "/"`,
    );
  }
  return `${region}/${id}`;
}

/** An Orkestr-style datastore over a quire store. */
export class OrkestrDatastore implements AsyncDisposable {
  #store: Store;
  #nodes: Regional<Node>;
  #nodeSpecs: Regional<NodeSpec>;
  #clusters: Regional<Cluster>;
  #services: Collection<Service>;

  /** Wraps an open quire store; `close()` closes it. */
  constructor(store: Store) {
    this.#store = store;
    this.#nodes = new Regional(store, COLLECTIONS.nodes, "nodeId");
    this.#nodeSpecs = new Regional(store, COLLECTIONS.nodeSpecs, "nodeSpecId");
    this.#clusters = new Regional(store, COLLECTIONS.clusters, "clusterId");
    this.#services = store.collection<Service>(COLLECTIONS.services);
  }

  /**
   * Opens a datastore on a quire URL (`sqlite://path/to/orkestr.db`, `sqlite::memory:`,
   * `memory://`, `file://dir`).
   */
  static async open(url: string): Promise<OrkestrDatastore> {
    return new OrkestrDatastore(await open(url));
  }

  /** The quire store underneath. */
  get store(): Store {
    return this.#store;
  }

  // ---- nodes ----

  /** Creates or replaces a node (keyed by `nodeId` and `region`). */
  saveNode(node: Node): Promise<Meta> {
    return this.#nodes.save(node);
  }
  /** A node, or `undefined`. */
  getNode(nodeId: string, region: string): Promise<Node | undefined> {
    return this.#nodes.get(nodeId, region);
  }
  /** Every node of a region, or of every region, ordered by region then id. */
  listNodes(region?: string): Promise<Node[]> {
    return this.#nodes.list(region);
  }
  /** Deletes a node; returns whether it existed. */
  deleteNode(nodeId: string, region: string): Promise<boolean> {
    return this.#nodes.delete(nodeId, region);
  }

  /**
   * Changes a node with `change` (given the stored node, returning the new one) in one
   * transaction, so concurrent updates of the same node never lose each other's changes.
   *
   * @returns The node as saved.
   * @throws {QuireError} `NOT_FOUND` when there is no such node.
   */
  async updateNode(
    nodeId: string,
    region: string,
    change: (node: Node) => Node | Promise<Node>,
  ): Promise<Node> {
    return await this.#store.transaction(async () => {
      const node = await this.#nodes.get(nodeId, region);
      if (node === undefined) throw notFound("node", nodeId, region);
      const updated = await change(node);
      if (updated.nodeId !== nodeId || updated.region !== region) {
        throw new QuireError(
          "INVALID_DOCUMENT",
          `Cannot update node "${nodeId}": the change must keep its nodeId and region`,
        );
      }
      await this.#nodes.save(updated);
      return updated;
    });
  }

  // ---- node specs ----

  /** Creates or replaces a node spec (keyed by `nodeSpecId` and `region`). */
  saveNodeSpec(spec: NodeSpec): Promise<Meta> {
    return this.#nodeSpecs.save(spec);
  }
  /** A node spec, or `undefined`. */
  getNodeSpec(nodeSpecId: string, region: string): Promise<NodeSpec | undefined> {
    return this.#nodeSpecs.get(nodeSpecId, region);
  }
  /** Every node spec of a region, or of every region. */
  listNodeSpecs(region?: string): Promise<NodeSpec[]> {
    return this.#nodeSpecs.list(region);
  }
  /** Deletes a node spec; returns whether it existed. */
  deleteNodeSpec(nodeSpecId: string, region: string): Promise<boolean> {
    return this.#nodeSpecs.delete(nodeSpecId, region);
  }

  // ---- clusters ----

  /** Creates or replaces a cluster (keyed by `clusterId` and `region`). */
  saveCluster(cluster: Cluster): Promise<Meta> {
    return this.#clusters.save(cluster);
  }
  /** A cluster, or `undefined`. */
  getCluster(clusterId: string, region: string): Promise<Cluster | undefined> {
    return this.#clusters.get(clusterId, region);
  }
  /** Every cluster of a region, or of every region. */
  listClusters(region?: string): Promise<Cluster[]> {
    return this.#clusters.list(region);
  }
  /** Deletes a cluster; returns whether it existed. */
  deleteCluster(clusterId: string, region: string): Promise<boolean> {
    return this.#clusters.delete(clusterId, region);
  }

  // ---- services ----

  /** Creates or replaces a service (keyed by `serviceId`). */
  async saveService(service: Service): Promise<Meta> {
    return await this.#services.put(requireId(service, "serviceId"), service);
  }
  /** A service, or `undefined`. */
  async getService(serviceId: string): Promise<Service | undefined> {
    return await this.#services.get(serviceId);
  }
  /** Every service, in id order. */
  async listServices(): Promise<Service[]> {
    return await listAll(this.#services);
  }
  /** Deletes a service; returns whether it existed. */
  async deleteService(serviceId: string): Promise<boolean> {
    return await this.#services.delete(serviceId);
  }

  // ---- several entities at once ----

  /**
   * Saves a cluster and its nodes and adds the cluster to its service, all in one transaction:
   * either everything is written or, if anything fails (say the service does not exist),
   * nothing is.
   *
   * @throws {QuireError} `NOT_FOUND` when the cluster's service does not exist.
   */
  async provisionCluster(cluster: Cluster, nodes: Node[]): Promise<void> {
    await this.#store.transaction(async (tx: Transaction) => {
      const clusters = tx.collection<Cluster>(COLLECTIONS.clusters);
      const nodeCollection = tx.collection<Node>(COLLECTIONS.nodes);
      const services = tx.collection<Service>(COLLECTIONS.services);
      const clusterId = requireId(cluster, "clusterId");
      const region = cluster.region;
      const clusterKey = regionalKey(region, clusterId);

      const nodeIds: string[] = [];
      for (const node of nodes) {
        if (node.region !== region) {
          throw new QuireError(
            "INVALID_DOCUMENT",
            `Cannot provision cluster "${clusterId}": node "${node.nodeId}" is in region "${node.region}", not "${region}"`,
          );
        }
        const nodeId = requireId(node, "nodeId");
        await nodeCollection.put(regionalKey(region, nodeId), { ...node, clusterId });
        nodeIds.push(nodeId);
      }
      await clusters.put(clusterKey, { ...cluster, nodeIds });

      if (cluster.serviceId !== undefined) {
        const service = await services.get(cluster.serviceId);
        if (service === undefined) {
          throw new QuireError(
            "NOT_FOUND",
            `Cannot provision cluster "${clusterId}": service "${cluster.serviceId}" does not exist`,
          );
        }
        const listed = (service.clusters ?? []).filter((entry) =>
          entry.clusterId !== clusterId || entry.region !== region
        );
        await services.put(service.serviceId, {
          ...service,
          clusters: [...listed, { clusterId, region }],
        });
      }
    });
  }

  /** Closes the quire store underneath. */
  async close(): Promise<void> {
    await this.#store.close();
  }

  /** Closes the datastore (`await using datastore = ...`). */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** One regional entity kind: save/get/list/delete by id and region. */
class Regional<T extends Document & { region: string }> {
  #collection: Collection<T>;
  #idField: string;

  constructor(store: Store, name: string, idField: string) {
    this.#collection = store.collection<T>(name);
    this.#idField = idField;
  }

  async save(entity: T): Promise<Meta> {
    const id = requireId(entity, this.#idField);
    return await this.#collection.put(regionalKey(entity.region, id), entity);
  }

  async get(id: string, region: string): Promise<T | undefined> {
    return await this.#collection.get(regionalKey(region, id));
  }

  async delete(id: string, region: string): Promise<boolean> {
    return await this.#collection.delete(regionalKey(region, id));
  }

  async list(region?: string): Promise<T[]> {
    if (region === undefined) return await listAll(this.#collection);
    // The region is the id's prefix: `$id` `$startsWith` reads just that run of ids (on SQLite
    // through the id index).
    return await listAll(this.#collection, { $id: { $startsWith: regionalKey(region, "") } });
  }
}

async function listAll<T extends Document>(
  collection: Collection<T>,
  filter: Record<string, unknown> = {},
): Promise<T[]> {
  const found: T[] = [];
  let after: string | undefined;
  do {
    const page = await collection.find(filter, { limit: PAGE, after });
    for (const entry of page.items) found.push(entry.doc);
    after = page.next;
  } while (after !== undefined);
  return found;
}

function requireId(entity: Document, field: string): string {
  const value = entity?.[field];
  if (typeof value !== "string" || value === "") {
    throw new QuireError("INVALID_DOCUMENT", `Expected a non-empty string in "${field}"`);
  }
  return value;
}

function notFound(kind: string, id: string, region: string): QuireError {
  return new QuireError("NOT_FOUND", `There is no ${kind} "${id}" in region "${region}"`);
}

if (import.meta.main) {
  const url = "sqlite::memory:";
  await using datastore = await OrkestrDatastore.open(url);
  console.log(`Orkestr datastore on quire (${url})\n`);

  await datastore.saveNodeSpec({ nodeSpecId: "gpu-small", region: "us-west-2", gpus: 1 });
  await datastore.saveService({ serviceId: "llama", image: "llama:3" });
  await datastore.saveNode({ nodeId: "node1", region: "us-west-2", status: "pending" });
  await datastore.saveNode({ nodeId: "node1", region: "eu-central-1", status: "running" });
  const show = (value: unknown) => JSON.stringify(value);
  console.log("node1 in us-west-2:", show(await datastore.getNode("node1", "us-west-2")));
  console.log("node1 in eu-central-1:", show(await datastore.getNode("node1", "eu-central-1")));

  await datastore.provisionCluster(
    { clusterId: "cluster1", region: "us-west-2", serviceId: "llama" },
    [
      { nodeId: "node2", region: "us-west-2", status: "pending", nodeSpecId: "gpu-small" },
      { nodeId: "node3", region: "us-west-2", status: "pending", nodeSpecId: "gpu-small" },
    ],
  );
  console.log("\nProvisioned cluster1 in one transaction:");
  console.log("  cluster:", show(await datastore.getCluster("cluster1", "us-west-2")));
  console.log("  service:", show(await datastore.getService("llama")));
  console.log(
    "  nodes in us-west-2:",
    (await datastore.listNodes("us-west-2")).map((node) => node.nodeId),
  );

  try {
    await datastore.provisionCluster(
      { clusterId: "cluster2", region: "us-west-2", serviceId: "missing" },
      [{ nodeId: "node4", region: "us-west-2" }],
    );
  } catch (error) {
    console.log("\nProvisioning for a missing service failed:", (error as Error).message);
    console.log("  node4 was rolled back:", await datastore.getNode("node4", "us-west-2"));
  }

  await Promise.all(
    Array.from({ length: 10 }, () =>
      datastore.updateNode("node1", "eu-central-1", (node) => ({
        ...node,
        restarts: (typeof node.restarts === "number" ? node.restarts : 0) + 1,
      }))),
  );
  console.log(
    "\n10 concurrent restarts of node1 in eu-central-1 counted:",
    (await datastore.getNode("node1", "eu-central-1"))?.restarts,
  );
  console.log("Deleted node1 in us-west-2:", await datastore.deleteNode("node1", "us-west-2"));
  console.log("All nodes:", (await datastore.listNodes()).map((n) => `${n.region}/${n.nodeId}`));
}
