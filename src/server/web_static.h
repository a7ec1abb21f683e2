// Copyright 2026 The Candor Authors.
//
// Serving the browser client (web/dist, built by scripts/setup.sh) at "/" of
// the HTTP server, beside the API under /v1/. Not a public API.

#ifndef CANDOR_SERVER_WEB_STATIC_H_
#define CANDOR_SERVER_WEB_STATIC_H_

#include <filesystem>
#include <optional>

namespace httplib {
class Server;
}

namespace candor::server {

// The client's directory: $CANDOR_WEB_DIR if set, else the first web/dist
// holding index.html found walking up from the running executable's folder,
// else ./web/dist; nullopt when none holds index.html. Thread-compatible.
std::optional<std::filesystem::path> FindWebClient();

// Mounts `dir` read-only at "/" of `s` (GET/HEAD of existing files only; "/"
// serves index.html; every other path falls through to the API handlers), with
// security headers (a strict Content-Security-Policy, nosniff, no referrer, no
// caching). Returns false if `dir` is not a directory. Call before listening.
bool MountWebClient(httplib::Server& s, const std::filesystem::path& dir);

}  // namespace candor::server

#endif  // CANDOR_SERVER_WEB_STATIC_H_
