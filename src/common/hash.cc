// Copyright 2026 The Candor Authors.

#include "common/hash.h"

#include <openssl/evp.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <system_error>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <nmmintrin.h>
#define CANDOR_CRC32C_X86 1
#endif

namespace candor {
namespace {

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

MdCtx NewSha256Ctx() {
  MdCtx ctx(EVP_MD_CTX_new());
  if (ctx && EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) ctx.reset();
  return ctx;
}

// Table for the reflected Castagnoli polynomial 0x82F63B78.
struct Crc32cTable {
  uint32_t t[8][256];
  constexpr Crc32cTable() : t{} {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : (c >> 1);
      t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i) {
      for (int s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
    }
  }
};
constexpr Crc32cTable kTable;

#ifdef CANDOR_CRC32C_X86
bool CpuHasSse42() {
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return false;
  return (ecx & bit_SSE4_2) != 0;
}

__attribute__((target("sse4.2"))) uint32_t Crc32cHw(uint32_t crc, const uint8_t* p, size_t n) {
  uint64_t c = ~crc;
  while (n > 0 && (reinterpret_cast<uintptr_t>(p) & 7) != 0) {
    c = _mm_crc32_u8(static_cast<uint32_t>(c), *p++);
    --n;
  }
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    c = _mm_crc32_u64(c, v);
    p += 8;
    n -= 8;
  }
  while (n > 0) {
    c = _mm_crc32_u8(static_cast<uint32_t>(c), *p++);
    --n;
  }
  return ~static_cast<uint32_t>(c);
}
const bool kHasSse42 = CpuHasSse42();
#endif

}  // namespace

Sha256Digest Sha256(std::span<const uint8_t> data) {
  Sha256Digest out{};
  unsigned int len = 0;
  // EVP_Digest cannot fail for SHA-256 on in-memory data short of OOM.
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) != 1) {
    out.fill(0);
  }
  return out;
}

Sha256Digest Sha256(std::string_view data) {
  return Sha256(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(data.data()), data.size()));
}

StatusOr<Sha256Digest> Sha256File(const std::filesystem::path& path) {
  std::error_code ec;
  auto st = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(st)) return NotFoundError("no such file: " + path.string());
  if (std::filesystem::is_directory(st))
    return InvalidArgumentError("is a directory: " + path.string());
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return PermissionDeniedError("cannot open " + path.string() + ": " + std::strerror(errno));
  MdCtx ctx = NewSha256Ctx();
  if (!ctx) return InternalError("OpenSSL SHA-256 initialisation failed");
  std::vector<char> buf(1 << 16);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    std::streamsize got = in.gcount();
    if (got > 0 && EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<size_t>(got)) != 1) {
      return InternalError("OpenSSL SHA-256 update failed");
    }
  }
  if (in.bad()) return DataLossError("read error on " + path.string());
  Sha256Digest out{};
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx.get(), out.data(), &len) != 1)
    return InternalError("OpenSSL SHA-256 final failed");
  return out;
}

std::string HexEncode(std::span<const uint8_t> bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.resize(bytes.size() * 2);
  for (size_t i = 0; i < bytes.size(); ++i) {
    s[2 * i] = kHex[bytes[i] >> 4];
    s[2 * i + 1] = kHex[bytes[i] & 15];
  }
  return s;
}

StatusOr<Sha256Digest> ParseHexDigest(std::string_view hex) {
  if (hex.size() != 64)
    return InvalidArgumentError("SHA-256 hex digest must have 64 characters, got " +
                                std::to_string(hex.size()));
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  Sha256Digest d{};
  for (size_t i = 0; i < 32; ++i) {
    int hi = nib(hex[2 * i]), lo = nib(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return InvalidArgumentError("not a hex digest: " + std::string(hex));
    d[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return d;
}

uint32_t Crc32cExtendPortable(uint32_t crc, std::span<const uint8_t> data) {
  const uint8_t* p = data.data();
  size_t n = data.size();
  uint32_t c = ~crc;
  while (n >= 8) {
    uint32_t lo =
        c ^ (uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24);
    c = kTable.t[7][lo & 0xff] ^ kTable.t[6][(lo >> 8) & 0xff] ^ kTable.t[5][(lo >> 16) & 0xff] ^
        kTable.t[4][lo >> 24] ^ kTable.t[3][p[4]] ^ kTable.t[2][p[5]] ^ kTable.t[1][p[6]] ^
        kTable.t[0][p[7]];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) c = (c >> 8) ^ kTable.t[0][(c ^ *p++) & 0xff];
  return ~c;
}

bool Crc32cIsHardwareAccelerated() {
#ifdef CANDOR_CRC32C_X86
  return kHasSse42;
#else
  return false;
#endif
}

uint32_t Crc32cExtend(uint32_t crc, std::span<const uint8_t> data) {
#ifdef CANDOR_CRC32C_X86
  if (kHasSse42) return Crc32cHw(crc, data.data(), data.size());
#endif
  return Crc32cExtendPortable(crc, data);
}

}  // namespace candor
