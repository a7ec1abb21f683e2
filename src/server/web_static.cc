// Copyright 2026 The Candor Authors.

#include "server/web_static.h"

#include <httplib.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <system_error>

#include "candor/server.h"

namespace candor {
namespace fs = std::filesystem;

namespace {
bool HasIndex(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / "index.html", ec);
}

bool SafeName(const std::string& n) {
  return !n.empty() && n[0] != '.' &&
         n.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
             std::string::npos;
}

std::string RegexEscape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (ch == '.' || ch == '-') out += '\\';
    out += ch;
  }
  return out;
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

namespace server {

const char* WebMimeType(const std::string& name) {
  static const std::map<std::string, const char*> kTypes = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
  };
  const size_t dot = name.rfind('.');
  if (dot != std::string::npos) {
    if (auto it = kTypes.find(name.substr(dot)); it != kTypes.end()) return it->second;
  }
  return "application/octet-stream";
}

StatusOr<int> MountWebClient(httplib::Server& s, const fs::path& dir) {
  if (!HasIndex(dir)) {
    return NotFoundError("no web client in '" + dir.string() +
                         "' (no index.html): run scripts/setup.sh, which builds web/dist");
  }
  struct File {
    std::string body;
    const char* type;
  };
  // url path -> file, read once: requests never touch the file system.
  auto files = std::make_shared<std::map<std::string, File>>();
  size_t total = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::path rel = fs::relative(it->path(), dir, ec);
    bool ok = !ec;
    std::string url;
    for (const auto& part : rel) {
      ok = ok && SafeName(part.string());
      url += '/';
      url += part.string();
    }
    const fs::file_status st = it->symlink_status(ec);
    if (!ok || ec) {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      ec.clear();
      continue;
    }
    if (!fs::is_regular_file(st)) continue;  // symlinks and specials are never served
    std::ifstream in(it->path(), std::ios::binary);
    std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    total += body.size();
    if (total > (64u << 20)) return ResourceExhaustedError("web client larger than 64 MiB");
    const char* type = WebMimeType(url);
    (*files)[url] = File{std::move(body), type};
  }
  if (ec)
    return InternalError("cannot read the web client in '" + dir.string() + "': " + ec.message());
  (*files)["/"] = (*files)["/index.html"];
  const httplib::Headers headers = {
      {"Content-Security-Policy",
       "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; "
       "style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; "
       "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"Cache-Control", "no-cache"},
      {"X-Frame-Options", "DENY"},
      {"Permissions-Policy", "camera=(self), microphone=(), geolocation=()"},
  };
  for (const auto& [url, file] : *files) {
    const std::string pattern = url == "/" ? "/" : RegexEscape(url);
    s.Get(pattern, [files, key = url, headers](const httplib::Request&, httplib::Response& res) {
      const File& f = files->at(key);
      for (const auto& [k, v] : headers) res.set_header(k, v);
      res.set_content(f.body, f.type);
    });
  }
  return static_cast<int>(files->size()) - 1;
}

}  // namespace server
}  // namespace candor
