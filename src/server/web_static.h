// Copyright 2026 The Candor Authors.
//
// Serving the browser client (web/dist, built by scripts/setup.sh) at "/" of
// the HTTP server, beside the API under /v1/. Not a public API (HttpServer
// calls it when HttpServerOptions::web_client is set).

#ifndef CANDOR_SERVER_WEB_STATIC_H_
#define CANDOR_SERVER_WEB_STATIC_H_

#include <filesystem>

#include "candor/status.h"

namespace httplib {
class Server;
}

namespace candor::server {

// Reads the client's files from `dir` once and serves them read-only at "/"
// of `s`: GET/HEAD of exactly those files ("/" is index.html), each with its
// MIME type and security headers (a strict Content-Security-Policy, nosniff,
// no referrer, no caching). Only regular files (not symlinks) whose names are
// [A-Za-z0-9._-] and do not start with '.' are served, from `dir` and its
// sub-folders; no request path ever reaches the file system, so no path can
// leave `dir`. Every other path falls through to handlers registered after
// this call (the API). Returns the number of files served; NOT_FOUND if `dir`
// has no index.html, RESOURCE_EXHAUSTED above 64 MiB in total. Call before
// registering the API handlers and before listening.
StatusOr<int> MountWebClient(httplib::Server& s, const std::filesystem::path& dir);

// The MIME type served for a file name (by extension; unknown ones are
// application/octet-stream).
const char* WebMimeType(const std::string& name);

}  // namespace candor::server

#endif  // CANDOR_SERVER_WEB_STATIC_H_
