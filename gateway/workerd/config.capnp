# The gateway on workerd: the same fetch handler (gateway/src/worker.mjs) that node-server.mjs
# runs on Node, with the engine imported as a compiled wasm module.
#
#   DATA_SERVICE_URL=http://127.0.0.1:8788 PORTCULLIS_SECRET_KEY=... PORTCULLIS_ADMIN_TOKEN=... \
#   npx workerd serve workerd/config.capnp \
#     --socket-addr http=127.0.0.1:8787 --directory-path state=/path/to/state-dir
#
# Module names mirror repository paths, so relative imports resolve as they do on disk. The one
# exception is gateway/src/engine.mjs, which is engine-workerd.mjs here (pkg/service/workerd.mjs
# instead of pkg/service/node.mjs).
#
# State: the STATE_DO binding is a SQLite-backed Durable Object (gateway/src/store/durable-object.mjs)
# whose storage is the disk directory given on the command line; SQLite commits with fsync and the
# object's answer waits for the commit, so an acknowledged admin write is durable. (The `disk`
# service's own PUT renames a temp file into place without fsync: it survives a process restart,
# not a power loss, so it is not used for state.) On Cloudflare the same class and binding run on
# the platform's Durable Object storage. Source addresses: workerd does not tell a worker the peer address, so a request's
# source is unknown (keys with an IP allowlist are refused) unless CLIENT_IP_HEADER names a
# header that a trusted proxy in front sets (CF-Connecting-IP behind Cloudflare).
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "gateway", worker = .gateway),
    # The data service is on this machine: allow loopback and private addresses for fetch().
    (name = "loopback", network = (allow = ["local", "private"])),
    # Path given on the command line: --directory-path state=DIR. Holds the Durable Object's
    # SQLite database (DIR/portcullis-gateway-state/*.sqlite); not bound to the worker itself.
    (name = "state", disk = (writable = true)),
  ],
  sockets = [
    (name = "http", address = "127.0.0.1:8787", http = (), service = "gateway"),
  ],
);

const gateway :Workerd.Worker = (
  modules = [
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
    (name = "gateway/src/policy.mjs", esModule = embed "../src/policy.mjs"),
    (name = "gateway/src/replies.mjs", esModule = embed "../src/replies.mjs"),
    (name = "gateway/src/state.mjs", esModule = embed "../src/state.mjs"),
    (name = "gateway/src/tokens.mjs", esModule = embed "../src/tokens.mjs"),
    (name = "gateway/src/store/kv.mjs", esModule = embed "../src/store/kv.mjs"),
    (name = "gateway/src/store/memory.mjs", esModule = embed "../src/store/memory.mjs"),
    (name = "gateway/src/store/durable-object.mjs", esModule = embed "../src/store/durable-object.mjs"),
    (name = "pkg/service/workerd.mjs", esModule = embed "../../pkg/service/workerd.mjs"),
    (name = "pkg/api.mjs", esModule = embed "../../pkg/api.mjs"),
    (name = "pkg/gen/service/portcullis.js", esModule = embed "../../pkg/gen/service/portcullis.js"),
    (name = "pkg/gen/service/portcullis_bg.wasm", wasm = embed "../../pkg/gen/service/portcullis_bg.wasm"),
  ],
  compatibilityDate = "2025-09-01",
  durableObjectNamespaces = [
    (className = "StateObject", uniqueKey = "portcullis-gateway-state", enableSql = true),
  ],
  durableObjectStorage = (localDisk = "state"),
  bindings = [
    (name = "DATA_SERVICE_URL", fromEnvironment = "DATA_SERVICE_URL"),
    (name = "PORTCULLIS_SECRET_KEY", fromEnvironment = "PORTCULLIS_SECRET_KEY"),
    (name = "PORTCULLIS_ADMIN_TOKEN", fromEnvironment = "PORTCULLIS_ADMIN_TOKEN"),
    (name = "PORTCULLIS_ADMIN_TOKENS", fromEnvironment = "PORTCULLIS_ADMIN_TOKENS"),
    (name = "CLIENT_IP_HEADER", fromEnvironment = "CLIENT_IP_HEADER"),
    (name = "TOKEN_TTL_SECONDS", fromEnvironment = "TOKEN_TTL_SECONDS"),
    (name = "DOWNLOAD_TTL_SECONDS", fromEnvironment = "DOWNLOAD_TTL_SECONDS"),
    (name = "PAGE_SIZE_DEFAULT", fromEnvironment = "PAGE_SIZE_DEFAULT"),
    (name = "PAGE_SIZE_MAX", fromEnvironment = "PAGE_SIZE_MAX"),
    (name = "STATE_DO", durableObjectNamespace = "StateObject"),
  ],
  globalOutbound = "loopback",
);
