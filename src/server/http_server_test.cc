// Copyright 2026 The Candor Authors.
//
// HttpServer's transport controls, over real sockets on 127.0.0.1:
//   - HTTPS: a throwaway self-signed certificate (EC P-256, SAN 127.0.0.1, as
//     scripts/make_cert.sh makes) is served and verified by a pinned client;
//     health and sign-in answer over TLS; plain HTTP to the TLS port gets no
//     API answer; a missing, corrupt or mismatched certificate/key is a Status
//     from Start (NOT_FOUND / INVALID_ARGUMENT), not a crash.
//   - Timeouts: a client that sends half a request line (or half a TLS
//     handshake) and stalls is disconnected after the configured read timeout,
//     while other clients are served meanwhile.
// The service behind it is real (governance over a temporary store, an admin
// account) but has no face pipeline: no image route is called.

#include <gtest/gtest.h>
#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "server/server_test_util.h"
#include "candor/server.h"

namespace candor {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// A fresh EC P-256 key. Null on failure.
EVP_PKEY* NewKey() { return EVP_EC_gen("P-256"); }

bool WritePem(const fs::path& path, const std::function<int(FILE*)>& write) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  const bool ok = write(f) == 1;
  return std::fclose(f) == 0 && ok;
}

// A self-signed certificate for CN=localhost with SAN DNS:localhost and
// IP:127.0.0.1 (as scripts/make_cert.sh), valid for a day; `key` is written
// to key_file (PEM, unencrypted) and the certificate to cert_file.
bool MakeSelfSigned(EVP_PKEY* key, const fs::path& cert_file, const fs::path& key_file) {
  std::unique_ptr<X509, decltype(&X509_free)> x(X509_new(), X509_free);
  if (!x || key == nullptr) return false;
  X509_set_version(x.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), 24 * 3600);
  X509_set_pubkey(x.get(), key);
  X509_NAME* name = X509_get_subject_name(x.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(x.get(), name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x.get(), x.get(), nullptr, nullptr, 0);
  X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name,
                                            "DNS:localhost,IP:127.0.0.1");
  if (san == nullptr) return false;
  X509_add_ext(x.get(), san, -1);
  X509_EXTENSION_free(san);
  if (X509_sign(x.get(), key, EVP_sha256()) == 0) return false;
  return WritePem(cert_file, [&](FILE* f) { return PEM_write_X509(f, x.get()); }) &&
         WritePem(key_file, [&](FILE* f) {
           return PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
         });
}

// Reads from fd until the peer closes it or `limit` passes. Returns the time
// until the close (nullopt if still open at the limit); bytes read go to *got.
std::optional<Clock::duration> WaitForClose(int fd, Clock::duration limit, std::string* got) {
  const auto t0 = Clock::now();
  const auto deadline = t0 + limit;
  char buf[4096];
  while (Clock::now() < deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    pollfd p{fd, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(std::max<int64_t>(left, 1)));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Clock::now() - t0;
    if (r == 0) continue;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return Clock::now() - t0;  // EOF or reset: closed
    got->append(buf, static_cast<size_t>(n));
  }
  return std::nullopt;
}

class HttpServerTest : public server_test::GovernedStoreTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenGovernedStore("candor_http"));
    service_ = std::make_unique<Service>(gov_.get(), store_.get(), nullptr,
                                         ServiceOptions(dir_ / "probes"));
    cert_ = dir_ / "server.crt";
    key_file_ = dir_ / "server.key";
    EVP_PKEY* k = NewKey();
    ASSERT_TRUE(MakeSelfSigned(k, cert_, key_file_));
    EVP_PKEY_free(k);
  }

  HttpServerOptions Tls() const {
    HttpServerOptions ho;
    ho.tls = true;
    ho.cert_file = cert_;
    ho.key_file = key_file_;
    ho.purge_interval_ms = 0;
    return ho;
  }

  // A client that trusts exactly the test certificate (and checks the host).
  std::unique_ptr<httplib::SSLClient> PinnedClient(int port) const {
    auto cli = std::make_unique<httplib::SSLClient>("127.0.0.1", port);
    cli->set_ca_cert_path(cert_.c_str());
    cli->enable_server_certificate_verification(true);
    cli->set_connection_timeout(10, 0);
    cli->set_read_timeout(30, 0);
    return cli;
  }

  fs::path cert_, key_file_;
};

TEST_F(HttpServerTest, ServesTheApiOverTlsWithThePinnedCertificate) {
  auto h = HttpServer::Start(service_.get(), Tls());
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  const int port = (*h)->port();
  ASSERT_GT(port, 0);
  auto cli = PinnedClient(port);

  auto health = cli->Get("/healthz");
  ASSERT_TRUE(health) << "TLS request failed: " << httplib::to_string(health.error());
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(health->get_header_value("Cache-Control"), "no-store");
  EXPECT_EQ(health->get_header_value("Strict-Transport-Security"), "max-age=31536000");
  json hb = json::parse(health->body, nullptr, false);
  EXPECT_EQ(hb.value("status", ""), "ok") << health->body;

  // Sign-in and an authenticated call over the same TLS transport.
  auto in = cli->Post("/v1/sessions", json{{"username", "admin"}, {"password", kAdminPassword}}.dump(),
                      "application/json");
  ASSERT_TRUE(in) << httplib::to_string(in.error());
  ASSERT_EQ(in->status, 201) << in->body;
  const std::string token = json::parse(in->body).value("token", "");
  ASSERT_FALSE(token.empty());
  auto who = cli->Get("/v1/whoami", {{"Authorization", "Bearer " + token}});
  ASSERT_TRUE(who);
  EXPECT_EQ(who->status, 200) << who->body;
  EXPECT_EQ(json::parse(who->body, nullptr, false).value("username", ""), "admin") << who->body;
  auto bad = cli->Post("/v1/sessions", json{{"username", "admin"}, {"password", "wrong"}}.dump(),
                       "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 401);

  // A client that trusts another certificate refuses this server.
  const fs::path other_crt = dir_ / "other.crt", other_key = dir_ / "other.key";
  EVP_PKEY* k = NewKey();
  ASSERT_TRUE(MakeSelfSigned(k, other_crt, other_key));
  EVP_PKEY_free(k);
  httplib::SSLClient wrong("127.0.0.1", port);
  wrong.set_ca_cert_path(other_crt.c_str());
  wrong.enable_server_certificate_verification(true);
  wrong.set_read_timeout(30, 0);
  auto refused = wrong.Get("/healthz");
  EXPECT_FALSE(refused);
  if (!refused) {
    EXPECT_EQ(refused.error(), httplib::Error::SSLServerVerification);
  }
}

TEST_F(HttpServerTest, PlainHttpToTheTlsPortGetsNoApiAnswer) {
  auto h = HttpServer::Start(service_.get(), Tls());
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  httplib::Client plain("127.0.0.1", (*h)->port());
  plain.set_connection_timeout(10, 0);
  plain.set_read_timeout(20, 0);
  auto r = plain.Get("/healthz");
  if (r) {  // whatever came back is not the API's answer
    EXPECT_NE(r->status, 200);
    EXPECT_EQ(r->body.find("\"ok\""), std::string::npos) << r->body;
  }
  auto s = plain.Post("/v1/sessions", json{{"username", "admin"}, {"password", kAdminPassword}}.dump(),
                      "application/json");
  if (s) {
    EXPECT_NE(s->status, 201);
    EXPECT_EQ(s->body.find("token"), std::string::npos) << s->body;
  }
  // The TLS port still serves TLS afterwards.
  auto ok = PinnedClient((*h)->port())->Get("/healthz");
  ASSERT_TRUE(ok) << httplib::to_string(ok.error());
  EXPECT_EQ(ok->status, 200);
}

TEST_F(HttpServerTest, MissingCorruptOrMismatchedCertificateIsAStatusNotACrash) {
  HttpServerOptions missing = Tls();
  missing.cert_file = dir_ / "nowhere.crt";
  auto a = HttpServer::Start(service_.get(), missing);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), Code::kNotFound);
  EXPECT_NE(a.status().message().find("make_cert.sh"), std::string::npos) << a.status().ToString();
  HttpServerOptions no_key = Tls();
  no_key.key_file = dir_ / "nowhere.key";
  EXPECT_EQ(HttpServer::Start(service_.get(), no_key).status().code(), Code::kNotFound);

  const fs::path corrupt = dir_ / "corrupt.crt";
  {
    std::ifstream in(cert_, std::ios::binary);
    std::string pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    pem.replace(pem.size() / 2, 24, "!!!!not-a-certificate!!!");  // inside the base64 body
    std::ofstream(corrupt, std::ios::binary) << pem;
  }
  HttpServerOptions bad = Tls();
  bad.cert_file = corrupt;
  auto b = HttpServer::Start(service_.get(), bad);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), Code::kInvalidArgument);
  EXPECT_NE(b.status().message().find("TLS certificate"), std::string::npos)
      << b.status().ToString();

  HttpServerOptions garbage_key = Tls();
  garbage_key.key_file = dir_ / "garbage.key";
  std::ofstream(garbage_key.key_file) << "-----BEGIN PRIVATE KEY-----\nAAAA\n";
  EXPECT_EQ(HttpServer::Start(service_.get(), garbage_key).status().code(),
            Code::kInvalidArgument);

  // A valid key that is not the certificate's.
  HttpServerOptions mismatched = Tls();
  mismatched.key_file = dir_ / "other.key";
  EVP_PKEY* k = NewKey();
  ASSERT_TRUE(MakeSelfSigned(k, dir_ / "other.crt", mismatched.key_file));
  EVP_PKEY_free(k);
  EXPECT_EQ(HttpServer::Start(service_.get(), mismatched).status().code(),
            Code::kInvalidArgument);

  // And the good pair still starts.
  auto good = HttpServer::Start(service_.get(), Tls());
  EXPECT_TRUE(good.ok()) << good.status().ToString();
}

// Stop() (or the destructor) right after Start() returns: Start hands back a
// server that is already accepting, so there is no window in which httplib's
// stop() is a no-op and the join waits for ever. Run on a helper thread and
// bounded, so a regression fails instead of hanging the suite.
TEST_F(HttpServerTest, StopRightAfterStartReturns) {
  auto done = std::make_shared<std::promise<std::string>>();
  std::future<std::string> result = done->get_future();
  Service* service = service_.get();
  HttpServerOptions tls = Tls();
  std::thread([done, service, tls] {
    std::string err;
    for (int i = 0; i < 50 && err.empty(); ++i) {
      HttpServerOptions ho = i % 2 ? tls : HttpServerOptions{};
      ho.purge_interval_ms = i % 4 == 0 ? 60'000 : 0;
      auto h = HttpServer::Start(service, ho);
      if (!h.ok()) err = h.status().ToString();
      // destroyed here: ~HttpServer stops and joins
    }
    done->set_value(err);
  }).detach();
  ASSERT_EQ(result.wait_for(std::chrono::seconds(60)), std::future_status::ready)
      << "Start() then Stop() did not return within 60 s";
  EXPECT_EQ(result.get(), "");
}

// A stalled half request line is cut off after read_timeout_s (1 s here, not
// the 10 s default), and the server answers other clients meanwhile.
TEST_F(HttpServerTest, StalledHalfRequestIsDisconnectedAfterTheReadTimeout) {
  HttpServerOptions ho;
  ho.purge_interval_ms = 0;
  ho.read_timeout_s = 1;
  auto h = HttpServer::Start(service_.get(), ho);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  const int fd = server_test::ConnectLoopback((*h)->port());
  ASSERT_GE(fd, 0);
  const std::string half = "GET /heal";
  ASSERT_EQ(::send(fd, half.data(), half.size(), MSG_NOSIGNAL), static_cast<ssize_t>(half.size()));

  // Meanwhile a well-behaved client is served.
  httplib::Client cli("127.0.0.1", (*h)->port());
  auto health = cli.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);

  std::string got;
  auto closed = WaitForClose(fd, std::chrono::seconds(20), &got);
  ::close(fd);
  ASSERT_TRUE(closed.has_value()) << "a stalled connection was still open after 20 s";
  // Closed because of the 1 s timeout: not at once, well before the 10 s default.
  EXPECT_GE(*closed, std::chrono::milliseconds(700));
  EXPECT_LT(*closed, std::chrono::seconds(8));
  EXPECT_EQ(got.find("200 OK"), std::string::npos) << got;  // no answer to half a request
}

// The same over TLS: a client that opens the connection and sends only part
// of a handshake is cut off after the read timeout.
TEST_F(HttpServerTest, StalledTlsHandshakeIsDisconnectedAfterTheReadTimeout) {
  HttpServerOptions ho = Tls();
  ho.read_timeout_s = 1;
  auto h = HttpServer::Start(service_.get(), ho);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  const int fd = server_test::ConnectLoopback((*h)->port());
  ASSERT_GE(fd, 0);
  // The first bytes of a TLS 1.x ClientHello record header, then nothing.
  const char hello[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01};
  ASSERT_EQ(::send(fd, hello, sizeof hello, MSG_NOSIGNAL), static_cast<ssize_t>(sizeof hello));
  auto ok = PinnedClient((*h)->port())->Get("/healthz");
  ASSERT_TRUE(ok) << httplib::to_string(ok.error());
  EXPECT_EQ(ok->status, 200);

  std::string got;
  auto closed = WaitForClose(fd, std::chrono::seconds(20), &got);
  ::close(fd);
  ASSERT_TRUE(closed.has_value()) << "a stalled TLS handshake was still open after 20 s";
  EXPECT_LT(*closed, std::chrono::seconds(8));
}

// The same over TLS: a client that trickles its handshake a byte every
// 300 ms is cut off at the header deadline.
TEST_F(HttpServerTest, TrickledTlsHandshakeIsCutAtTheHeaderDeadline) {
  HttpServerOptions ho = Tls();
  ho.read_timeout_s = 10;
  ho.header_timeout_ms = 1500;
  auto h = HttpServer::Start(service_.get(), ho);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  const int fd = server_test::ConnectLoopback((*h)->port());
  ASSERT_GE(fd, 0);
  // The record header of a 512-byte ClientHello, then one byte every 300 ms.
  const char header[] = {0x16, 0x03, 0x01, 0x02, 0x00};
  ASSERT_EQ(::send(fd, header, sizeof header, MSG_NOSIGNAL), static_cast<ssize_t>(sizeof header));
  const auto t0 = Clock::now();
  std::optional<Clock::duration> closed;
  std::string got;
  while (!closed && Clock::now() - t0 < std::chrono::seconds(8)) {
    if (WaitForClose(fd, std::chrono::milliseconds(300), &got)) closed = Clock::now() - t0;
    (void)::send(fd, "\x01", 1, MSG_NOSIGNAL);
  }
  ::close(fd);
  ASSERT_TRUE(closed.has_value()) << "still open after 8 s";
  EXPECT_GE(*closed, std::chrono::milliseconds(1300));
  EXPECT_LT(*closed, std::chrono::milliseconds(4000));
  auto ok = PinnedClient((*h)->port())->Get("/healthz");
  ASSERT_TRUE(ok) << httplib::to_string(ok.error());
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->get_header_value("Strict-Transport-Security"), "max-age=31536000");
}

// Answers httplib makes itself (a malformed request line, an unknown method,
// a header block over its limit) carry the API's JSON error body too.
TEST_F(HttpServerTest, TransportErrorsAreJson) {
  HttpServerOptions ho;
  ho.purge_interval_ms = 0;
  auto h = HttpServer::Start(service_.get(), ho);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  for (const std::string req :
       {std::string("GARBAGE\r\n\r\n"), std::string("GET /healthz HTTP/1.1\r\nBad header\r\n"),
        std::string("GET /") + std::string(20000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n",
        std::string("POST /v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n")}) {
    const int fd = server_test::ConnectLoopback((*h)->port());
    ASSERT_GE(fd, 0);
    (void)::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
    ::shutdown(fd, SHUT_WR);
    std::string got;
    WaitForClose(fd, std::chrono::seconds(15), &got);
    ::close(fd);
    ASSERT_EQ(got.rfind("HTTP/1.1 4", 0), 0u) << req.substr(0, 60) << " -> '" << got << "'";
    const auto at = got.find("\r\n\r\n");
    ASSERT_NE(at, std::string::npos) << got;
    EXPECT_NE(got.find("Content-Type: application/json"), std::string::npos) << got;
    json body = json::parse(got.substr(at + 4), nullptr, false);
    ASSERT_TRUE(body.is_object()) << req.substr(0, 60) << " -> " << json(got).dump();
    EXPECT_FALSE(body.value("error", json::object()).value("code", "").empty())
        << req.substr(0, 60) << " -> " << got;
    EXPECT_FALSE(body.value("error", json::object()).value("message", "").empty()) << got;
  }
}

// HSTS is sent over HTTPS only (a plain-HTTP answer cannot set it).
TEST_F(HttpServerTest, NoHstsOverPlainHttp) {
  HttpServerOptions ho;
  ho.purge_interval_ms = 0;
  auto h = HttpServer::Start(service_.get(), ho);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  httplib::Client cli("127.0.0.1", (*h)->port());
  auto r = cli.Get("/healthz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_FALSE(r->has_header("Strict-Transport-Security"));
}

// The service's logs (LogToStderr + UseJsonLogs, as `candor serve` sets
// them up) go to stderr as one JSON object a line; nothing to stdout.
TEST_F(HttpServerTest, ServiceLogsGoToStderr) {
  const fs::path out_file = dir_ / "stdout.txt", err_file = dir_ / "stderr.txt";
  std::fflush(stdout);
  std::fflush(stderr);
  const int saved_out = ::dup(1), saved_err = ::dup(2);
  FILE* out = std::fopen(out_file.c_str(), "w");
  FILE* err = std::fopen(err_file.c_str(), "w");
  ASSERT_TRUE(out && err);
  ::dup2(::fileno(out), 1);
  ::dup2(::fileno(err), 2);
  auto previous = spdlog::default_logger();
  LogToStderr();
  UseJsonLogs();
  spdlog::info(R"({{"event":"log_probe","n":{}}})", 42);
  spdlog::default_logger()->flush();
  spdlog::set_default_logger(previous);
  spdlog::set_pattern("%+");
  std::fflush(stdout);
  std::fflush(stderr);
  ::dup2(saved_out, 1);
  ::dup2(saved_err, 2);
  ::close(saved_out);
  ::close(saved_err);
  std::fclose(out);
  std::fclose(err);
  std::ifstream e(err_file), o(out_file);
  const std::string err_text((std::istreambuf_iterator<char>(e)), std::istreambuf_iterator<char>());
  const std::string out_text((std::istreambuf_iterator<char>(o)), std::istreambuf_iterator<char>());
  EXPECT_EQ(out_text.find("log_probe"), std::string::npos) << out_text;
  ASSERT_NE(err_text.find("log_probe"), std::string::npos) << "stderr: '" << err_text << "'";
  json line = json::parse(err_text.substr(0, err_text.find('\n')), nullptr, false);
  EXPECT_EQ(line.value("level", ""), "info") << err_text;
  EXPECT_EQ(line["msg"].value("n", 0), 42) << err_text;
}

}  // namespace
}  // namespace candor
