/**
 * Pangolin's catalog store rebuilt on quire: tenants, warehouses, catalogs, namespaces and
 * assets, with the backend picked by `DATABASE_URL`.
 *
 * | `DATABASE_URL`          | backend                                  |
 * | ----------------------- | ---------------------------------------- |
 * | `sqlite://pangolin.db`  | SQLite file (WAL), relative to the cwd   |
 * | `sqlite::memory:`       | SQLite in memory                         |
 * | anything else, or unset | quire's memory backend (`memory://`)     |
 *
 * Pangolin planned one table per entity with composite primary keys. Here each entity is a
 * quire collection and the document id is composed from the same keys:
 *
 * | collection   | id                                        |
 * | ------------ | ----------------------------------------- |
 * | `tenants`    | `tenantId`                                |
 * | `warehouses` | `tenantId/warehouseName`                  |
 * | `catalogs`   | `tenantId/catalogName`                    |
 * | `namespaces` | `tenantId/catalogName/namespaceName`      |
 * | `assets`     | `tenantId/catalogName/namespaceName/name` |
 * | `asset_ids`  | the asset's own id → a reference to it    |
 *
 * so the keys may not contain "/" (the ids of assets and tenants may contain anything quire
 * accepts, since they are never split). Creating uses `ifRev: 0`, so creating something twice
 * fails with `CONFLICT`; the foreign keys the SQL plan declared are checked in the same
 * transaction as the write, so a catalog for a missing tenant or warehouse fails with
 * `NOT_FOUND` and writes nothing.
 *
 * @example
 * ```ts
 * import { openCatalogStore } from "./pangolin_catalog.ts";
 *
 * await using catalogs = await openCatalogStore("sqlite::memory:");
 * await catalogs.createTenant({ id: "acme", name: "Acme" });
 * ```
 *
 * Run the demo: `DATABASE_URL=sqlite::memory: bun examples/pangolin_catalog.ts` or
 * `DATABASE_URL=sqlite::memory: deno run -A examples/pangolin_catalog.ts`.
 *
 * @module
 */

import process from "node:process";
import {
  type Collection,
  type Document,
  type JsonValue,
  open,
  QuireError,
  type Ref,
  ref,
  type Store,
} from "../mod.ts";

/** A tenant. */
export type Tenant = {
  id: string;
  name: string;
  properties?: { [key: string]: JsonValue };
};

/** Where a tenant's data lives. */
export type Warehouse = {
  tenantId: string;
  name: string;
  useSts: boolean;
  storageConfig: { [key: string]: JsonValue };
};

/** A catalog of a tenant, stored in one of its warehouses. */
export type Catalog = {
  tenantId: string;
  name: string;
  warehouseName: string;
  storageLocation: string;
  properties?: { [key: string]: JsonValue };
};

/** A namespace of a catalog. */
export type Namespace = {
  tenantId: string;
  catalogName: string;
  name: string;
  properties?: { [key: string]: JsonValue };
};

/** A table, view or other asset of a namespace. */
export type Asset = {
  id: string;
  tenantId: string;
  catalogName: string;
  namespaceName: string;
  name: string;
  assetType: string;
  metadataLocation?: string;
  branchName?: string;
};

/** What {@linkcode CatalogStore.createAsset} takes: an asset, its id made up when missing. */
export type NewAsset = Omit<Asset, "id"> & { id?: string };

// The entry of `asset_ids`: a reference to the asset.
type AssetLink = { asset: Ref };

// Page size used when listing.
const PAGE = 500;

/**
 * The quire URL for a `DATABASE_URL`: `sqlite://...` and `sqlite::memory:` are used as they
 * are; anything else (or nothing) gives `memory://`.
 */
export function catalogStoreUrl(databaseUrl: string | undefined): string {
  if (databaseUrl === "sqlite::memory:") return databaseUrl;
  if (databaseUrl?.startsWith("sqlite://") && databaseUrl.length > "sqlite://".length) {
    return databaseUrl;
  }
  return "memory://";
}

/**
 * Opens a catalog store on the backend `DATABASE_URL` names (see the module documentation).
 *
 * @param databaseUrl Defaults to the `DATABASE_URL` environment variable.
 */
export async function openCatalogStore(
  databaseUrl: string | undefined = process.env.DATABASE_URL,
): Promise<CatalogStore> {
  return new CatalogStore(await open(catalogStoreUrl(databaseUrl)));
}

/** A Pangolin-style catalog store over a quire store. */
export class CatalogStore implements AsyncDisposable {
  #store: Store;
  #tenants: Collection<Tenant>;
  #warehouses: Collection<Warehouse>;
  #catalogs: Collection<Catalog>;
  #namespaces: Collection<Namespace>;
  #assets: Collection<Asset>;
  #assetIds: Collection<AssetLink>;

  /** Wraps an open quire store (any backend); `close()` closes it. */
  constructor(store: Store) {
    this.#store = store;
    this.#tenants = store.collection("tenants");
    this.#warehouses = store.collection("warehouses");
    this.#catalogs = store.collection("catalogs");
    this.#namespaces = store.collection("namespaces");
    this.#assets = store.collection("assets");
    this.#assetIds = store.collection("asset_ids");
  }

  /** The backend in use: `"sqlite"` or `"memory"` (or `"file"` when wrapping such a store). */
  get backend(): string {
    return this.#store.backend;
  }

  /** The quire store underneath. */
  get store(): Store {
    return this.#store;
  }

  // ---- tenants ----

  /**
   * Creates a tenant.
   * @throws {QuireError} `CONFLICT` when the tenant exists.
   */
  async createTenant(tenant: Tenant): Promise<Tenant> {
    await create(this.#tenants, tenant.id, tenant, `Tenant "${tenant.id}"`);
    return tenant;
  }

  /** A tenant, or `undefined`. */
  async getTenant(id: string): Promise<Tenant | undefined> {
    return await this.#tenants.get(id);
  }

  /** Every tenant, in id order. */
  async listTenants(): Promise<Tenant[]> {
    return await listPrefix(this.#tenants, "");
  }

  // ---- warehouses ----

  /**
   * Creates a warehouse of an existing tenant.
   * @throws {QuireError} `NOT_FOUND` for a missing tenant, `CONFLICT` when it exists.
   */
  async createWarehouse(warehouse: Warehouse): Promise<Warehouse> {
    const what = `warehouse "${warehouse.name}"`;
    await this.#store.transaction(async () => {
      await this.#requireTenant(warehouse.tenantId, what);
      await create(
        this.#warehouses,
        key(warehouse.tenantId, warehouse.name),
        warehouse,
        `The ${what} of tenant "${warehouse.tenantId}"`,
      );
    });
    return warehouse;
  }

  /** A warehouse, or `undefined`. */
  async getWarehouse(tenantId: string, name: string): Promise<Warehouse | undefined> {
    return await this.#warehouses.get(key(tenantId, name));
  }

  /** The warehouses of a tenant, by name. */
  async listWarehouses(tenantId: string): Promise<Warehouse[]> {
    return await listPrefix(this.#warehouses, prefix(tenantId));
  }

  // ---- catalogs ----

  /**
   * Creates a catalog of an existing tenant, in one of its warehouses.
   * @throws {QuireError} `NOT_FOUND` for a missing tenant or warehouse, `CONFLICT` when the
   *   catalog exists.
   */
  async createCatalog(catalog: Catalog): Promise<Catalog> {
    const what = `catalog "${catalog.name}"`;
    await this.#store.transaction(async () => {
      await this.#requireTenant(catalog.tenantId, what);
      if (!await this.#warehouses.has(key(catalog.tenantId, catalog.warehouseName))) {
        throw new QuireError(
          "NOT_FOUND",
          `Cannot create ${what}: tenant "${catalog.tenantId}" has no warehouse "${catalog.warehouseName}"`,
        );
      }
      await create(
        this.#catalogs,
        key(catalog.tenantId, catalog.name),
        catalog,
        `The ${what} of tenant "${catalog.tenantId}"`,
      );
    });
    return catalog;
  }

  /** A catalog, or `undefined`. */
  async getCatalog(tenantId: string, name: string): Promise<Catalog | undefined> {
    return await this.#catalogs.get(key(tenantId, name));
  }

  /** The catalogs of a tenant, by name. */
  async listCatalogs(tenantId: string): Promise<Catalog[]> {
    return await listPrefix(this.#catalogs, prefix(tenantId));
  }

  // ---- namespaces ----

  /**
   * Creates a namespace in an existing catalog.
   * @throws {QuireError} `NOT_FOUND` for a missing catalog, `CONFLICT` when it exists.
   */
  async createNamespace(namespace: Namespace): Promise<Namespace> {
    const { tenantId, catalogName, name } = namespace;
    await this.#store.transaction(async () => {
      if (!await this.#catalogs.has(key(tenantId, catalogName))) {
        throw new QuireError(
          "NOT_FOUND",
          `Cannot create namespace "${name}": tenant "${tenantId}" has no catalog "${catalogName}"`,
        );
      }
      await create(
        this.#namespaces,
        key(tenantId, catalogName, name),
        namespace,
        `Namespace "${name}" of catalog "${catalogName}"`,
      );
    });
    return namespace;
  }

  /** A namespace, or `undefined`. */
  async getNamespace(
    tenantId: string,
    catalogName: string,
    name: string,
  ): Promise<Namespace | undefined> {
    return await this.#namespaces.get(key(tenantId, catalogName, name));
  }

  /** The namespaces of a catalog, by name. */
  async listNamespaces(tenantId: string, catalogName: string): Promise<Namespace[]> {
    return await listPrefix(this.#namespaces, prefix(tenantId, catalogName));
  }

  // ---- assets ----

  /**
   * Creates an asset in an existing namespace; its id is made up (a UUID) when not given.
   * @throws {QuireError} `NOT_FOUND` for a missing namespace, `CONFLICT` when an asset of that
   *   name exists in the namespace or one with that id exists anywhere.
   */
  async createAsset(asset: NewAsset): Promise<Asset> {
    const { tenantId, catalogName, namespaceName, name } = asset;
    const created: Asset = { ...asset, id: asset.id ?? crypto.randomUUID() };
    const assetKey = key(tenantId, catalogName, namespaceName, name);
    await this.#store.transaction(async () => {
      if (!await this.#namespaces.has(key(tenantId, catalogName, namespaceName))) {
        throw new QuireError(
          "NOT_FOUND",
          `Cannot create asset "${name}": catalog "${catalogName}" of tenant "${tenantId}" has no namespace "${namespaceName}"`,
        );
      }
      await create(
        this.#assets,
        assetKey,
        created,
        `Asset "${name}" of namespace "${namespaceName}"`,
      );
      await create(
        this.#assetIds,
        created.id,
        { asset: ref("assets", assetKey) },
        `An asset with id "${created.id}"`,
      );
    });
    return created;
  }

  /** An asset by its id, or `undefined`. */
  async getAsset(id: string): Promise<Asset | undefined> {
    const link = await this.#assetIds.get(id, { resolve: 1 });
    // Resolved, the reference has become the asset (or null, were the asset gone); get()'s type
    // still says reference, hence the cast.
    return (link?.asset as Asset | null | undefined) ?? undefined;
  }

  /** The assets of a namespace, by name. */
  async listAssets(
    tenantId: string,
    catalogName: string,
    namespaceName: string,
  ): Promise<Asset[]> {
    return await listPrefix(this.#assets, prefix(tenantId, catalogName, namespaceName));
  }

  /** Deletes an asset by its id; returns whether it existed. */
  async deleteAsset(id: string): Promise<boolean> {
    return await this.#store.transaction(async () => {
      const link = await this.#assetIds.get(id);
      if (link === undefined) return false;
      await this.#assets.delete(link.asset.$id);
      return await this.#assetIds.delete(id);
    });
  }

  /** Closes the quire store underneath. */
  async close(): Promise<void> {
    await this.#store.close();
  }

  /** Closes the catalog store (`await using catalogs = ...`). */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #requireTenant(tenantId: string, what: string): Promise<void> {
    if (!await this.#tenants.has(tenantId)) {
      throw new QuireError(
        "NOT_FOUND",
        `Cannot create ${what}: tenant "${tenantId}" does not exist`,
      );
    }
  }
}

/** The document id made of `parts`, which must be non-empty and free of "/". */
function key(...parts: string[]): string {
  for (const part of parts) {
    if (typeof part !== "string" || part === "" || part.includes("/")) {
      throw new QuireError(
        "INVALID_ID",
        `Invalid key part ${JSON.stringify(part)}: expected a non-empty string without "/"`,
      );
    }
  }
  return parts.join("/");
}

/** The prefix every id under `parts` starts with. */
function prefix(...parts: string[]): string {
  return `${key(...parts)}/`;
}

/** Creates `id` (`ifRev: 0`), turning quire's CONFLICT into one that names the entity. */
async function create<T extends Document>(
  collection: Collection<T>,
  id: string,
  doc: unknown,
  what: string,
): Promise<void> {
  try {
    await collection.put(id, doc as T, { ifRev: 0 });
  } catch (error) {
    if (error instanceof QuireError && error.code === "CONFLICT") {
      throw new QuireError("CONFLICT", `${what} already exists`, { cause: error });
    }
    throw error;
  }
}

/** Every document whose id starts with `start`, in id order (on SQLite through the id index). */
async function listPrefix<T extends Document>(
  collection: Collection<T>,
  start: string,
): Promise<T[]> {
  const found: T[] = [];
  let after: string | undefined;
  do {
    const page = await collection.find({ $id: { $startsWith: start } }, { limit: PAGE, after });
    for (const entry of page.items) found.push(entry.doc);
    after = page.next;
  } while (after !== undefined);
  return found;
}

if (import.meta.main) {
  await using catalogs = await openCatalogStore();
  console.log(
    `Pangolin catalog store on quire: DATABASE_URL=${
      process.env.DATABASE_URL ?? "(unset)"
    } → ${catalogs.backend} backend\n`,
  );

  if (await catalogs.getTenant("acme") === undefined) {
    await catalogs.createTenant({ id: "acme", name: "Acme Corp" });
    await catalogs.createWarehouse({
      tenantId: "acme",
      name: "main",
      useSts: false,
      storageConfig: { type: "s3", bucket: "acme-lake" },
    });
    await catalogs.createCatalog({
      tenantId: "acme",
      name: "analytics",
      warehouseName: "main",
      storageLocation: "s3://acme-lake/analytics",
    });
    await catalogs.createNamespace({ tenantId: "acme", catalogName: "analytics", name: "sales" });
    const created = await catalogs.createAsset({
      tenantId: "acme",
      catalogName: "analytics",
      namespaceName: "sales",
      name: "orders",
      assetType: "ICEBERG_TABLE",
      metadataLocation: "s3://acme-lake/analytics/sales/orders/metadata/v1.json",
    });
    console.log("Created tenant acme, warehouse main, catalog analytics, namespace sales");
    console.log(`Created asset orders with id ${created.id}`);
  } else {
    console.log("Tenant acme is already there (a database from an earlier run)");
  }
  const [orders] = await catalogs.listAssets("acme", "analytics", "sales");

  console.log("Catalogs of acme:", (await catalogs.listCatalogs("acme")).map((c) => c.name));
  console.log(
    "Namespaces of acme/analytics:",
    (await catalogs.listNamespaces("acme", "analytics")).map((n) => n.name),
  );
  console.log(
    "Assets of acme/analytics/sales:",
    (await catalogs.listAssets("acme", "analytics", "sales")).map((a) => a.name),
  );
  console.log("Asset by id:", await catalogs.getAsset(orders.id));

  for (
    const attempt of [
      () => catalogs.createTenant({ id: "acme", name: "Acme again" }),
      () =>
        catalogs.createCatalog({
          tenantId: "acme",
          name: "raw",
          warehouseName: "nowhere",
          storageLocation: "s3://acme-lake/raw",
        }),
      () =>
        catalogs.createCatalog({
          tenantId: "globex",
          name: "raw",
          warehouseName: "main",
          storageLocation: "s3://globex/raw",
        }),
    ]
  ) {
    try {
      await attempt();
    } catch (error) {
      const { code, message } = error as QuireError;
      console.log(`Refused (${code}): ${message}`);
    }
  }
}
