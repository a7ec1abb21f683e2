// Copyright 2026 The Candor Authors.
//
// The web client mount: exactly the client's files with their MIME types and
// security headers; nothing outside the folder (traversal, encoded traversal,
// symlinks), no dot-files; every other path reaches the API. And HttpServer
// with web_client set serves both, or refuses a web root without index.html.

#include "server/web_static.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "candor/server.h"

namespace candor::server {
namespace {

namespace fs = std::filesystem;

void Write(const fs::path& p, const std::string& s) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << s;
}

class WebStaticTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("candor_web_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    dist_ = root_ / "dist";
    Write(dist_ / "index.html", "<!doctype html><title>Candor</title>");
    Write(dist_ / "app.js", "export const x = 1;");
    Write(dist_ / "style.css", "body{}");
    Write(dist_ / "img" / "logo.svg", "<svg/>");
    Write(dist_ / ".stamp", "built");
    Write(root_ / "secret.txt", "outside the web root");
    fs::create_symlink(root_ / "secret.txt", dist_ / "link.txt");
  }
  void TearDown() override {
    if (server_) {
      server_->stop();
      thread_.join();
    }
    fs::remove_all(root_);
  }

  // A server with the client mounted and an "API" catch-all behind it.
  void Start() {
    server_ = std::make_unique<httplib::Server>();
    auto n = MountWebClient(*server_, dist_);
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    EXPECT_EQ(*n, 4);  // index.html, app.js, style.css, img/logo.svg
    server_->Get(".*", [](const httplib::Request&, httplib::Response& res) {
      res.status = 404;
      res.set_content("api", "application/json");
    });
    port_ = server_->bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    while (!server_->is_running()) std::this_thread::yield();
  }

  httplib::Result Get(const std::string& path) {
    httplib::Client cli("127.0.0.1", port_);
    return cli.Get(path);
  }

  fs::path root_, dist_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

TEST_F(WebStaticTest, ServesTheClientWithTypesAndHeaders) {
  Start();
  auto idx = Get("/");
  ASSERT_TRUE(idx);
  EXPECT_EQ(idx->status, 200);
  EXPECT_EQ(idx->body, "<!doctype html><title>Candor</title>");
  EXPECT_EQ(idx->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(idx->get_header_value("Content-Security-Policy").find("script-src 'self'"),
            std::string::npos);
  EXPECT_EQ(idx->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(Get("/index.html")->body, idx->body);
  EXPECT_EQ(Get("/app.js")->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(Get("/style.css")->get_header_value("Content-Type"), "text/css; charset=utf-8");
  auto svg = Get("/img/logo.svg");
  EXPECT_EQ(svg->status, 200);
  EXPECT_EQ(svg->get_header_value("Content-Type"), "image/svg+xml");
  httplib::Client cli("127.0.0.1", port_);
  auto head = cli.Head("/app.js");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
}

TEST_F(WebStaticTest, NothingOutsideTheFolderAndNoHiddenOrLinkedFiles) {
  Start();
  for (const char* path : {"/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt",
                           "/img/../../secret.txt", "/link.txt", "/.stamp", "/img/", "/index.html/",
                           "/app.js%00.html", "//etc/passwd", "/secret.txt"}) {
    auto r = Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_NE(r->body, "outside the web root") << path;
    EXPECT_NE(r->body, "built") << path;
    EXPECT_NE(r->status, 200) << path;
  }
  // A file added after mounting is not served (requests never reach the disk).
  Write(dist_ / "later.js", "late");
  EXPECT_EQ(Get("/later.js")->body, "api");
}

TEST_F(WebStaticTest, RefusesAFolderWithoutIndex) {
  httplib::Server s;
  EXPECT_EQ(MountWebClient(s, root_ / "nowhere").status().code(), Code::kNotFound);
  fs::remove(dist_ / "index.html");
  EXPECT_EQ(MountWebClient(s, dist_).status().code(), Code::kNotFound);
}

TEST_F(WebStaticTest, MimeTypes) {
  EXPECT_STREQ(WebMimeType("a.html"), "text/html; charset=utf-8");
  EXPECT_STREQ(WebMimeType("a.png"), "image/png");
  EXPECT_STREQ(WebMimeType("a.webmanifest"), "application/manifest+json");
  EXPECT_STREQ(WebMimeType("README"), "application/octet-stream");
  EXPECT_STREQ(WebMimeType("a.exe"), "application/octet-stream");
}

// HttpServer: the client at "/" and the API beside it, from one port.
TEST_F(WebStaticTest, HttpServerServesClientAndApi) {
  ServerOptions so;
  Service service(nullptr, nullptr, nullptr, so);  // only /healthz is called
  HttpServerOptions ho;
  ho.purge_interval_ms = 0;
  ho.web_client = true;
  ho.web_root = dist_;
  auto http = HttpServer::Start(&service, ho);
  ASSERT_TRUE(http.ok()) << http.status().ToString();
  httplib::Client cli("127.0.0.1", (*http)->port());
  auto idx = cli.Get("/");
  ASSERT_TRUE(idx);
  EXPECT_EQ(idx->status, 200);
  EXPECT_NE(idx->body.find("<title>Candor</title>"), std::string::npos);
  auto health = cli.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_NE(health->body.find("\"ok\""), std::string::npos);
  auto missing = cli.Get("/nope.js");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_NE(missing->body.find("NOT_FOUND"), std::string::npos);  // the API's JSON error
  (*http)->Stop();

  ho.web_root = root_ / "nowhere";
  EXPECT_EQ(HttpServer::Start(&service, ho).status().code(), Code::kNotFound);
}

TEST_F(WebStaticTest, FindWebClientHonoursTheEnvironment) {
  ::setenv("CANDOR_WEB_DIR", dist_.c_str(), 1);
  EXPECT_EQ(FindWebClient(), std::optional<fs::path>(dist_));
  ::setenv("CANDOR_WEB_DIR", (root_ / "nowhere").c_str(), 1);
  EXPECT_EQ(FindWebClient(), std::nullopt);
  ::unsetenv("CANDOR_WEB_DIR");
}

}  // namespace
}  // namespace candor::server
