# The floor of a GET through the gateway on workerd (bench/gateway-load.mjs): worker.mjs, a
# bare fetch-and-return worker, with the gateway's compatibility date and loopback network.
#
#   DATA_SERVICE_URL=http://127.0.0.1:8788 gateway/node_modules/.bin/workerd serve \
#     bench/floor/workerd.capnp --socket-addr http=127.0.0.1:8790
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "floor", worker = .floor),
    (name = "loopback", network = (allow = ["local", "private"])),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:8790", http = (), service = "floor") ],
);

const floor :Workerd.Worker = (
  modules = [ (name = "worker.mjs", esModule = embed "worker.mjs") ],
  compatibilityDate = "2025-09-01",
  bindings = [ (name = "DATA_SERVICE_URL", fromEnvironment = "DATA_SERVICE_URL") ],
  globalOutbound = "loopback",
);
