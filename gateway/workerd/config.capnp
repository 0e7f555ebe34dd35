# The gateway on workerd: the same fetch handler (gateway/src/worker.mjs) that node-server.mjs
# runs on Node, with the engine imported as a compiled wasm module.
#
#   DATA_SERVICE_URL=http://127.0.0.1:8788 PORTCULLIS_SECRET_KEY=... PORTCULLIS_ADMIN_TOKEN=... \
#   npx workerd serve workerd/config.capnp \
#     --socket-addr http=127.0.0.1:8787 --socket-addr http2=127.0.0.1:8789 \
#     --directory-path state=/path/to/state-dir
#
# Module names mirror repository paths, so relative imports resolve as they do on disk. The one
# exception is gateway/src/engine.mjs, which is engine-workerd.mjs here (pkg/service/workerd.mjs
# instead of pkg/service/node.mjs).
#
# Two gateway services, `gateway` (socket http) and `gateway2` (socket http2), run the same code in
# two isolates with nothing shared in memory, as Cloudflare runs many: both reach the same Durable
# Object namespace, so what one acknowledges the other honours on its next request.
#
# State: the STATE_DO binding is the namespace of FirmState (gateway/src/state/durable-object.mjs),
# one SQLite-backed Durable Object per firm, whose storage is the disk directory given on the
# command line; SQLite commits with fsync and the object's answer waits for the commit, so an
# acknowledged admin write is durable. (The `disk` service's own PUT renames a temp file into
# place without fsync: it survives a process restart, not a power loss, so it is not used for
# state.) On Cloudflare the same class and binding run on the platform's Durable Object storage.
# Public origin: PUBLIC_BASE_URL (required) is the origin signed download links are made on; both
# isolates take the same one, as instances behind one load balancer do.
# Source addresses: workerd does not tell a worker the peer address, so a request's source is
# unknown (keys with an IP allowlist are refused) unless CLIENT_IP_HEADER names a header that a
# trusted proxy in front sets (CF-Connecting-IP behind Cloudflare).
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "gateway", worker = .gateway),
    (name = "gateway2", worker = .gateway2),
    # The data service is on this machine: allow loopback and private addresses for fetch().
    (name = "loopback", network = (allow = ["local", "private"])),
    # Path given on the command line: --directory-path state=DIR. Holds the Durable Objects'
    # SQLite databases, one per firm (DIR/portcullis-gateway-firms/*.sqlite); not bound to a worker.
    (name = "state", disk = (writable = true)),
  ],
  sockets = [
    (name = "http", address = "127.0.0.1:8787", http = (), service = "gateway"),
    (name = "http2", address = "127.0.0.1:8789", http = (), service = "gateway2"),
  ],
);

const gateway :Workerd.Worker = (
  modules = .modules,
  compatibilityDate = "2025-09-01",
  durableObjectNamespaces = [
    (className = "FirmState", uniqueKey = "portcullis-gateway-firms", enableSql = true),
  ],
  durableObjectStorage = (localDisk = "state"),
  bindings = [
    (name = "STATE_DO", durableObjectNamespace = "FirmState"),
    (name = "DATA_SERVICE_URL", fromEnvironment = "DATA_SERVICE_URL"),
    (name = "PORTCULLIS_SECRET_KEY", fromEnvironment = "PORTCULLIS_SECRET_KEY"),
    (name = "PORTCULLIS_ADMIN_TOKEN", fromEnvironment = "PORTCULLIS_ADMIN_TOKEN"),
    (name = "PORTCULLIS_ADMIN_TOKENS", fromEnvironment = "PORTCULLIS_ADMIN_TOKENS"),
    (name = "CLIENT_IP_HEADER", fromEnvironment = "CLIENT_IP_HEADER"),
    (name = "TOKEN_TTL_SECONDS", fromEnvironment = "TOKEN_TTL_SECONDS"),
    (name = "DOWNLOAD_TTL_SECONDS", fromEnvironment = "DOWNLOAD_TTL_SECONDS"),
    (name = "PAGE_SIZE_DEFAULT", fromEnvironment = "PAGE_SIZE_DEFAULT"),
    (name = "PAGE_SIZE_MAX", fromEnvironment = "PAGE_SIZE_MAX"),
    (name = "PUBLIC_BASE_URL", fromEnvironment = "PUBLIC_BASE_URL"),
    (name = "BODY_TIMEOUT_MS", fromEnvironment = "BODY_TIMEOUT_MS"),
    (name = "TOKEN_RATE_LIMIT", fromEnvironment = "TOKEN_RATE_LIMIT"),
    (name = "TOKEN_MAX_PER_KEY", fromEnvironment = "TOKEN_MAX_PER_KEY"),
    (name = "ADMIN_WRITE_RATE_LIMIT", fromEnvironment = "ADMIN_WRITE_RATE_LIMIT"),
    (name = "STATE_LEASE_MS", fromEnvironment = "STATE_LEASE_MS"),
  ],
  globalOutbound = "loopback",
);

# The second isolate: the same modules, the first service's Durable Object namespace.
const gateway2 :Workerd.Worker = (
  modules = .modules,
  compatibilityDate = "2025-09-01",
  bindings = [
    (name = "STATE_DO", durableObjectNamespace = (className = "FirmState", serviceName = "gateway")),
    (name = "DATA_SERVICE_URL", fromEnvironment = "DATA_SERVICE_URL"),
    (name = "PORTCULLIS_SECRET_KEY", fromEnvironment = "PORTCULLIS_SECRET_KEY"),
    (name = "PORTCULLIS_ADMIN_TOKEN", fromEnvironment = "PORTCULLIS_ADMIN_TOKEN"),
    (name = "PORTCULLIS_ADMIN_TOKENS", fromEnvironment = "PORTCULLIS_ADMIN_TOKENS"),
    (name = "CLIENT_IP_HEADER", fromEnvironment = "CLIENT_IP_HEADER"),
    (name = "TOKEN_TTL_SECONDS", fromEnvironment = "TOKEN_TTL_SECONDS"),
    (name = "DOWNLOAD_TTL_SECONDS", fromEnvironment = "DOWNLOAD_TTL_SECONDS"),
    (name = "PAGE_SIZE_DEFAULT", fromEnvironment = "PAGE_SIZE_DEFAULT"),
    (name = "PAGE_SIZE_MAX", fromEnvironment = "PAGE_SIZE_MAX"),
    (name = "PUBLIC_BASE_URL", fromEnvironment = "PUBLIC_BASE_URL"),
    (name = "BODY_TIMEOUT_MS", fromEnvironment = "BODY_TIMEOUT_MS"),
    (name = "TOKEN_RATE_LIMIT", fromEnvironment = "TOKEN_RATE_LIMIT"),
    (name = "TOKEN_MAX_PER_KEY", fromEnvironment = "TOKEN_MAX_PER_KEY"),
    (name = "ADMIN_WRITE_RATE_LIMIT", fromEnvironment = "ADMIN_WRITE_RATE_LIMIT"),
    (name = "STATE_LEASE_MS", fromEnvironment = "STATE_LEASE_MS"),
  ],
  globalOutbound = "loopback",
);

const modules :List(Workerd.Worker.Module) = [
    (name = "gateway/src/worker.mjs", esModule = embed "../src/worker.mjs"),
    (name = "gateway/src/engine.mjs", esModule = embed "../src/engine-workerd.mjs"),
    (name = "gateway/src/app.mjs", esModule = embed "../src/app.mjs"),
    (name = "gateway/src/admin/index.mjs", esModule = embed "../src/admin/index.mjs"),
    (name = "gateway/src/admin/scope.mjs", esModule = embed "../src/admin/scope.mjs"),
    (name = "gateway/src/admin/checks.mjs", esModule = embed "../src/admin/checks.mjs"),
    (name = "gateway/src/admin/audit.mjs", esModule = embed "../src/admin/audit.mjs"),
    (name = "gateway/src/admin/sealed-replies.mjs", esModule = embed "../src/admin/sealed-replies.mjs"),
    (name = "gateway/src/admin/workspaces.mjs", esModule = embed "../src/admin/workspaces.mjs"),
    (name = "gateway/src/admin/filters.mjs", esModule = embed "../src/admin/filters.mjs"),
    (name = "gateway/src/admin/keys.mjs", esModule = embed "../src/admin/keys.mjs"),
    (name = "gateway/src/admin/admins.mjs", esModule = embed "../src/admin/admins.mjs"),
    (name = "gateway/src/attributes.mjs", esModule = embed "../src/attributes.mjs"),
    (name = "gateway/src/body.mjs", esModule = embed "../src/body.mjs"),
    (name = "gateway/src/crypto.mjs", esModule = embed "../src/crypto.mjs"),
    (name = "gateway/src/data-api.mjs", esModule = embed "../src/data-api.mjs"),
    (name = "gateway/src/data-service-client.mjs", esModule = embed "../src/data-service-client.mjs"),
    (name = "gateway/src/downloads.mjs", esModule = embed "../src/downloads.mjs"),
    (name = "gateway/src/errors.mjs", esModule = embed "../src/errors.mjs"),
    (name = "gateway/src/idempotency.mjs", esModule = embed "../src/idempotency.mjs"),
    (name = "gateway/src/ip.mjs", esModule = embed "../src/ip.mjs"),
    (name = "gateway/src/rate-limits.mjs", esModule = embed "../src/rate-limits.mjs"),
    (name = "gateway/src/policy.mjs", esModule = embed "../src/policy.mjs"),
    (name = "gateway/src/replies.mjs", esModule = embed "../src/replies.mjs"),
    (name = "gateway/src/routes.mjs", esModule = embed "../src/routes.mjs"),
    (name = "gateway/src/state/index.mjs", esModule = embed "../src/state/index.mjs"),
    (name = "gateway/src/state/rows.mjs", esModule = embed "../src/state/rows.mjs"),
    (name = "gateway/src/state/sync-store.mjs", esModule = embed "../src/state/sync-store.mjs"),
    (name = "gateway/src/state/import.mjs", esModule = embed "../src/state/import.mjs"),
    (name = "gateway/src/state/durable-object.mjs", esModule = embed "../src/state/durable-object.mjs"),
    (name = "gateway/src/tokens.mjs", esModule = embed "../src/tokens.mjs"),
    (name = "pkg/service/workerd.mjs", esModule = embed "../../pkg/service/workerd.mjs"),
    (name = "pkg/api.mjs", esModule = embed "../../pkg/api.mjs"),
    (name = "pkg/gen/service/portcullis.js", esModule = embed "../../pkg/gen/service/portcullis.js"),
    (name = "pkg/gen/service/portcullis_bg.wasm", wasm = embed "../../pkg/gen/service/portcullis_bg.wasm"),
];
