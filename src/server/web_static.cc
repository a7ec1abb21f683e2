// Copyright 2026 The Candor Authors.

#include "server/web_static.h"

#include <httplib.h>
#include <unistd.h>

#include <cstdlib>
#include <system_error>

namespace candor::server {
namespace fs = std::filesystem;

namespace {
bool HasIndex(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / "index.html", ec);
}
}  // namespace

std::optional<fs::path> FindWebClient() {
  if (const char* env = std::getenv("CANDOR_WEB_DIR"); env && *env) {
    fs::path p(env);
    return HasIndex(p) ? std::optional<fs::path>(p) : std::nullopt;
  }
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (fs::path d = exe.parent_path(); !d.empty(); d = d.parent_path()) {
      if (HasIndex(d / "web" / "dist")) return d / "web" / "dist";
      if (d == d.root_path()) break;
    }
  }
  if (HasIndex(fs::path("web") / "dist")) return fs::absolute(fs::path("web") / "dist", ec);
  return std::nullopt;
}

bool MountWebClient(httplib::Server& s, const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return false;
  httplib::Headers headers = {
      {"Content-Security-Policy",
       "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; "
       "style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; "
       "frame-ancestors 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"Cache-Control", "no-cache"},
      {"Permissions-Policy", "camera=(self), microphone=(), geolocation=()"},
  };
  s.set_file_extension_and_mimetype_mapping("js", "text/javascript");
  s.set_file_extension_and_mimetype_mapping("mjs", "text/javascript");
  return s.set_mount_point("/", dir.string(), headers);
}

}  // namespace candor::server
