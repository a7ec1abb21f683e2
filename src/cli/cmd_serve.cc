// Copyright 2026 The Candor Authors.
//
// candor serve --https ADDR:PORT | --http 127.0.0.1:PORT: the JSON API of
// docs/openapi.yaml (src/server/) over the store, the face pipeline and
// governance, and the browser client (web/dist) at "/". Plain HTTP is refused
// off loopback. Thresholds come from the gallery model's calibration
// (--target-fpir / --target-fmr) unless --threshold overrides them (load
// tests). Logs are JSON lines on stderr. Stops cleanly on SIGINT / SIGTERM.
// The work is in serve_runner.h (shared with `candor demo`).

#include "cli/command.h"
#include "cli/cluster_front.h"
#include "cli/serve_runner.h"

namespace candor::cli {
namespace {

const bool kRegistered = RegisterCommand(
    {"serve", "The HTTPS JSON API (docs/openapi.yaml, docs/SERVICE.md)",
     [](CLI::App& sub, const GlobalOptions&) -> RunFn {
       auto c = std::make_shared<ServeConfig>();
       sub.add_option("--https", c->https, "Serve HTTPS on ADDR:PORT");
       sub.add_option("--http", c->http, "Serve plain HTTP on 127.0.0.1:PORT (loopback only)");
       sub.add_option("--calibration", c->calibration,
                      "Model calibration file for the galleries of its model (galleries of "
                      "other models: calibration/<model>.json)");
       AddServeFlags(sub, c.get());
       AddClusterFrontFlags(sub, c.get());  // --nats: serve the cluster's galleries
       AddStoreFlags(sub, &c->store);
       AddPipelineFlags(sub, &c->pipeline);
       return [c] { return RunService(*c); };
     }});

}  // namespace
}  // namespace candor::cli
