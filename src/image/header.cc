// Copyright 2026 The Candor Authors.

#include "image/header.h"

#include <cstring>
#include <string>

#include "image/byte_reader.h"
#include "image/tiff_ifd.h"

namespace candor::image_internal {
namespace {

Status Truncated(const char* fmt, const std::string& detail) {
  return InvalidArgumentError(std::string(fmt) + " data is truncated (" + detail + ")");
}
Status Malformed(const char* fmt, const std::string& detail) {
  return InvalidArgumentError(std::string("malformed ") + fmt + ": " + detail);
}

// ---------------------------------------------------------------- JPEG
Status ReadJpeg(std::span<const uint8_t> b, HeaderInfo* info) {
  ByteReader r(b, /*little_endian=*/false);
  const size_t n = b.size();
  size_t pos = 2;  // after SOI
  bool have_sof = false;
  bool in_scan = false;
  while (true) {
    if (in_scan) {
      // Entropy-coded data: 0xFF is followed by 0x00 (stuffing) or RSTn inside a scan.
      while (pos < n) {
        if (b[pos] != 0xFF) {
          const void* ff = std::memchr(b.data() + pos, 0xFF, n - pos);
          pos = ff ? static_cast<size_t>(static_cast<const uint8_t*>(ff) - b.data()) : n;
          continue;
        }
        if (pos + 1 >= n) break;
        uint8_t m = b[pos + 1];
        if (m == 0x00 || (m >= 0xD0 && m <= 0xD7)) {
          pos += 2;
          continue;
        }
        if (m == 0xFF) {
          ++pos;
          continue;
        }
        break;  // a real marker ends the scan
      }
      in_scan = false;
    }
    // Expect a marker, possibly preceded by fill bytes. Like libjpeg, skip
    // extraneous bytes before a marker (some encoders pad segments).
    if (pos < n && b[pos] != 0xFF) {
      const void* ff = std::memchr(b.data() + pos, 0xFF, n - pos);
      pos = ff ? static_cast<size_t>(static_cast<const uint8_t*>(ff) - b.data()) : n;
    }
    if (pos >= n) return Truncated("JPEG", "no end-of-image marker");
    while (pos < n && b[pos] == 0xFF) ++pos;
    if (pos >= n) return Truncated("JPEG", "no end-of-image marker");
    uint8_t m = b[pos++];
    if (m == 0xD9) break;  // EOI
    if (m == 0x01 || (m >= 0xD0 && m <= 0xD7)) continue;
    if (m == 0xD8 || m == 0x00) return Malformed("JPEG", "unexpected marker");
    uint16_t len;
    if (!r.U16(pos, &len)) return Truncated("JPEG", "segment header cut");
    if (len < 2) return Malformed("JPEG", "segment length < 2");
    if (!r.Has(pos, len)) return Truncated("JPEG", "segment extends past the end of the data");
    std::span<const uint8_t> seg = b.subspan(pos + 2, len - 2u);
    bool is_sof = m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
    if (is_sof) {
      if (seg.size() < 6) return Malformed("JPEG", "short frame header");
      if (have_sof) return Malformed("JPEG", "more than one frame header");
      have_sof = true;
      info->height = uint32_t(seg[1]) << 8 | seg[2];
      info->width = uint32_t(seg[3]) << 8 | seg[4];
      info->jpeg_components = seg[5];
      if (info->height == 0) return Malformed("JPEG", "height defined by DNL is not supported");
      if (info->width == 0) return Malformed("JPEG", "zero width");
      if (seg[5] != 1 && seg[5] != 3 && seg[5] != 4) {
        return Malformed("JPEG", std::to_string(seg[5]) + " components is not supported");
      }
      if (seg.size() < 6u + 3u * seg[5]) return Malformed("JPEG", "short frame header");
    } else if (m == 0xE1 && seg.size() >= 6 && std::memcmp(seg.data(), "Exif\0\0", 6) == 0) {
      if (info->exif_orientation == 1) info->exif_orientation = ExifOrientation(seg.subspan(6));
    } else if (m == 0xEE && seg.size() >= 12 && std::memcmp(seg.data(), "Adobe", 5) == 0) {
      info->jpeg_adobe = true;
      info->jpeg_adobe_transform = seg[11];
    } else if (m == 0xDA) {
      if (!have_sof) return Malformed("JPEG", "scan before frame header");
      in_scan = true;
    }
    pos += len;
  }
  if (!have_sof) return Malformed("JPEG", "no frame header");
  return OkStatus();
}

// ---------------------------------------------------------------- PNG
Status ReadPng(std::span<const uint8_t> b, HeaderInfo* info) {
  ByteReader r(b, false);
  size_t pos = 8;
  bool first = true, have_idat = false;
  while (true) {
    uint32_t len, type_be;
    if (!r.U32(pos, &len) || !r.U32(pos + 4, &type_be)) return Truncated("PNG", "no IEND chunk");
    if (len > 0x7fffffffu) return Malformed("PNG", "chunk length too large");
    if (!r.Has(pos + 8, uint64_t{len} + 4))
      return Truncated("PNG", "chunk extends past the end of the data");
    const uint8_t* type = b.data() + pos + 4;
    std::span<const uint8_t> data = b.subspan(pos + 8, len);
    if (first) {
      if (std::memcmp(type, "IHDR", 4) != 0 || len != 13)
        return Malformed("PNG", "first chunk is not IHDR");
      ByteReader h(data, false);
      h.U32(0, &info->width);
      h.U32(4, &info->height);
      if (info->width == 0 || info->height == 0 || info->width > 0x7fffffffu ||
          info->height > 0x7fffffffu) {
        return Malformed("PNG", "invalid size");
      }
      first = false;
    } else if (std::memcmp(type, "IDAT", 4) == 0) {
      have_idat = true;
    } else if (std::memcmp(type, "eXIf", 4) == 0) {
      info->exif_orientation = ExifOrientation(data);
    } else if (std::memcmp(type, "IEND", 4) == 0) {
      break;
    }
    pos += 12 + size_t{len};
  }
  if (!have_idat) return Malformed("PNG", "no image data");
  return OkStatus();
}

// ---------------------------------------------------------------- BMP
Status ReadBmp(std::span<const uint8_t> b, HeaderInfo* info) {
  ByteReader r(b, true);
  uint32_t off_bits, dib;
  if (!r.U32(10, &off_bits) || !r.U32(14, &dib)) return Truncated("BMP", "header cut");
  uint64_t rows = 0, bpp = 0, width = 0;
  uint32_t compression = 0;
  if (dib == 12) {
    uint16_t w, h, planes, bits;
    if (!r.U16(18, &w) || !r.U16(20, &h) || !r.U16(22, &planes) || !r.U16(24, &bits)) {
      return Truncated("BMP", "header cut");
    }
    width = w;
    rows = h;
    bpp = bits;
  } else if (dib >= 40 && dib <= 124) {
    uint32_t w, h, comp;
    uint16_t planes, bits;
    if (!r.U32(18, &w) || !r.U32(22, &h) || !r.U16(26, &planes) || !r.U16(28, &bits) ||
        !r.U32(30, &comp)) {
      return Truncated("BMP", "header cut");
    }
    int32_t sw = static_cast<int32_t>(w), sh = static_cast<int32_t>(h);
    if (sw <= 0 || sh == 0 || sh == INT32_MIN) return Malformed("BMP", "invalid size");
    width = static_cast<uint64_t>(sw);
    rows = static_cast<uint64_t>(sh < 0 ? -int64_t{sh} : sh);
    bpp = bits;
    compression = comp;
    // Refuse what OpenCV's BMP reader would reject only after printing to
    // stderr: compression other than RGB/RLE8/RLE4/BITFIELDS, > 256 palette colours.
    if (comp > 3) return Malformed("BMP", "unsupported compression " + std::to_string(comp));
    uint32_t clr_used = 0;
    if (dib >= 40 && r.U32(46, &clr_used) && clr_used > 256) {
      return Malformed("BMP", "palette of " + std::to_string(clr_used) + " colours");
    }
  } else {
    return Malformed("BMP", "unsupported header size " + std::to_string(dib));
  }
  if (width == 0 || rows == 0) return Malformed("BMP", "invalid size");
  if (bpp != 1 && bpp != 4 && bpp != 8 && bpp != 16 && bpp != 24 && bpp != 32) {
    return Malformed("BMP", "unsupported bit depth " + std::to_string(bpp));
  }
  if (width > 0xffffffffu || rows > 0xffffffffu) return Malformed("BMP", "invalid size");
  info->width = static_cast<uint32_t>(width);
  info->height = static_cast<uint32_t>(rows);
  if (compression == 0 || compression == 3) {  // BI_RGB, BI_BITFIELDS: pixel data size is known
    uint64_t stride = ((width * bpp + 31) / 32) * 4;
    uint64_t need = uint64_t{off_bits} + stride * rows;
    if (need > b.size()) {
      return Truncated("BMP", "pixel data needs " + std::to_string(need) + " bytes, have " +
                                  std::to_string(b.size()));
    }
  } else if (off_bits >= b.size()) {
    return Truncated("BMP", "no pixel data");
  }
  return OkStatus();
}

// ---------------------------------------------------------------- PNM
Status ReadPnm(std::span<const uint8_t> b, HeaderInfo* info) {
  const int kind = b[1] - '0';  // 1..6
  size_t pos = 2;
  auto skip_space = [&]() {
    while (pos < b.size()) {
      if (b[pos] == '#') {
        while (pos < b.size() && b[pos] != '\n' && b[pos] != '\r') ++pos;
      } else if (b[pos] == ' ' || b[pos] == '\t' || b[pos] == '\n' || b[pos] == '\r' ||
                 b[pos] == '\v' || b[pos] == '\f') {
        ++pos;
      } else {
        break;
      }
    }
  };
  auto number = [&](uint64_t* v) -> bool {
    skip_space();
    if (pos >= b.size() || b[pos] < '0' || b[pos] > '9') return false;
    uint64_t x = 0;
    while (pos < b.size() && b[pos] >= '0' && b[pos] <= '9') {
      x = x * 10 + (b[pos] - '0');
      if (x > 0xffffffffu) return false;
      ++pos;
    }
    *v = x;
    return true;
  };
  uint64_t w, h, maxval = 1;
  if (!number(&w) || !number(&h)) return Malformed("PNM", "bad width/height");
  if (kind != 1 && kind != 4) {
    if (!number(&maxval) || maxval == 0 || maxval > 65535)
      return Malformed("PNM", "bad maximum value");
  }
  if (w == 0 || h == 0) return Malformed("PNM", "zero size");
  info->pnm_kind = kind;
  info->pnm_maxval = static_cast<uint32_t>(maxval);
  info->width = static_cast<uint32_t>(w);
  info->height = static_cast<uint32_t>(h);
  const uint64_t channels = (kind == 3 || kind == 6) ? 3 : 1;
  if (kind >= 4) {
    if (pos >= b.size()) return Truncated("PNM", "no pixel data");
    ++pos;  // the single whitespace after the header
    uint64_t need = kind == 4 ? ((w + 7) / 8) * h : w * h * channels * (maxval > 255 ? 2 : 1);
    uint64_t have = b.size() - pos;
    if (need > have) {
      return Truncated("PNM", "pixel data needs " + std::to_string(need) + " bytes, have " +
                                  std::to_string(have));
    }
  } else {
    // ASCII: count the samples present (P1 digits may be unseparated).
    uint64_t need = w * h * channels, count = 0;
    while (pos < b.size() && count < need) {
      skip_space();
      if (pos >= b.size()) break;
      if (b[pos] < '0' || b[pos] > '9') return Malformed("PNM", "non-digit in pixel data");
      if (kind == 1) {
        ++pos;
      } else {
        while (pos < b.size() && b[pos] >= '0' && b[pos] <= '9') ++pos;
      }
      ++count;
    }
    if (count < need) {
      return Truncated("PNM",
                       std::to_string(count) + " of " + std::to_string(need) + " samples present");
    }
  }
  return OkStatus();
}

// ---------------------------------------------------------------- TIFF
Status ReadTiff(std::span<const uint8_t> b, HeaderInfo* info) {
  auto ifd = ReadFirstIfd(b);
  if (!ifd) return Malformed("TIFF", "unreadable image file directory (truncated or corrupt)");
  auto get = [&](uint16_t tag) -> std::optional<uint32_t> {
    const TiffEntry* e = ifd->Find(tag);
    if (!e) return std::nullopt;
    return ifd->Value(b, *e, 0);
  };
  auto w = get(256), h = get(257);
  if (!w || !h || *w == 0 || *h == 0) return Malformed("TIFF", "missing or zero width/height");
  info->width = *w;
  info->height = *h;
  // Every strip or tile must lie inside the data.
  for (auto [off_tag, cnt_tag] : {std::pair<uint16_t, uint16_t>{273, 279}, {324, 325}}) {
    const TiffEntry* offs = ifd->Find(off_tag);
    const TiffEntry* cnts = ifd->Find(cnt_tag);
    if (!offs) continue;
    if (!cnts || cnts->count != offs->count)
      return Malformed("TIFF", "strip/tile byte counts missing");
    if (offs->count > 10'000'000) return Malformed("TIFF", "too many strips");
    for (uint32_t i = 0; i < offs->count; ++i) {
      auto o = ifd->Value(b, *offs, i), c = ifd->Value(b, *cnts, i);
      if (!o || !c) return Malformed("TIFF", "unreadable strip table");
      if (uint64_t{*o} + *c > b.size()) {
        return Truncated("TIFF", "strip " + std::to_string(i) + " ends at byte " +
                                     std::to_string(uint64_t{*o} + *c) + ", have " +
                                     std::to_string(b.size()));
      }
    }
  }
  if (!ifd->Find(273) && !ifd->Find(324)) return Malformed("TIFF", "no image data");
  return OkStatus();
}

// ---------------------------------------------------------------- WebP
Status ReadWebp(std::span<const uint8_t> b, HeaderInfo* info) {
  ByteReader r(b, true);
  uint32_t riff_size = 0;
  r.U32(4, &riff_size);
  if (riff_size < 4) return Malformed("WebP", "bad RIFF size");
  if (uint64_t{riff_size} + 8 > b.size()) {
    return Truncated("WebP", "RIFF declares " + std::to_string(uint64_t{riff_size} + 8) +
                                 " bytes, have " + std::to_string(b.size()));
  }
  std::span<const uint8_t> body = b.subspan(12, riff_size - 4);
  ByteReader br(body, true);
  size_t pos = 0;
  bool have_image = false, have_canvas = false;
  while (pos + 8 <= body.size()) {
    const uint8_t* fourcc = body.data() + pos;
    uint32_t len = 0;
    br.U32(pos + 4, &len);
    if (!br.Has(pos + 8, len)) return Truncated("WebP", "chunk extends past the end of the data");
    std::span<const uint8_t> c = body.subspan(pos + 8, len);
    if (std::memcmp(fourcc, "VP8X", 4) == 0) {
      if (len < 10) return Malformed("WebP", "short VP8X chunk");
      if (c[0] & 0x02) return InvalidArgumentError("animated WebP is not supported");
      info->width = 1 + (uint32_t(c[4]) | uint32_t(c[5]) << 8 | uint32_t(c[6]) << 16);
      info->height = 1 + (uint32_t(c[7]) | uint32_t(c[8]) << 8 | uint32_t(c[9]) << 16);
      have_canvas = true;
    } else if (std::memcmp(fourcc, "VP8 ", 4) == 0) {
      if (len < 10 || c[3] != 0x9d || c[4] != 0x01 || c[5] != 0x2a)
        return Malformed("WebP", "bad VP8 frame");
      if (!have_canvas) {
        info->width = (uint32_t(c[6]) | uint32_t(c[7]) << 8) & 0x3fff;
        info->height = (uint32_t(c[8]) | uint32_t(c[9]) << 8) & 0x3fff;
      }
      have_image = true;
    } else if (std::memcmp(fourcc, "VP8L", 4) == 0) {
      if (len < 5 || c[0] != 0x2f) return Malformed("WebP", "bad VP8L frame");
      uint32_t bits =
          uint32_t(c[1]) | uint32_t(c[2]) << 8 | uint32_t(c[3]) << 16 | uint32_t(c[4]) << 24;
      if (!have_canvas) {
        info->width = (bits & 0x3fff) + 1;
        info->height = ((bits >> 14) & 0x3fff) + 1;
      }
      have_image = true;
    } else if (std::memcmp(fourcc, "EXIF", 4) == 0) {
      size_t skip = (c.size() >= 6 && std::memcmp(c.data(), "Exif\0\0", 6) == 0) ? 6 : 0;
      info->exif_orientation = ExifOrientation(c.subspan(skip));
    } else if (std::memcmp(fourcc, "ANIM", 4) == 0) {
      return InvalidArgumentError("animated WebP is not supported");
    }
    pos += 8 + size_t{len} + (len & 1);
  }
  if (!have_image) return Malformed("WebP", "no image chunk");
  if (info->width == 0 || info->height == 0) return Malformed("WebP", "zero size");
  return OkStatus();
}

}  // namespace

StatusOr<HeaderInfo> ReadHeader(std::span<const uint8_t> bytes) {
  if (bytes.empty()) return InvalidArgumentError("image data is empty (zero bytes)");
  HeaderInfo info;
  info.format = DetectFormat(bytes);
  Status s;
  switch (info.format) {
    case ImageFormat::kJpeg:
      s = ReadJpeg(bytes, &info);
      break;
    case ImageFormat::kPng:
      s = ReadPng(bytes, &info);
      break;
    case ImageFormat::kBmp:
      s = ReadBmp(bytes, &info);
      break;
    case ImageFormat::kPnm:
      s = ReadPnm(bytes, &info);
      break;
    case ImageFormat::kTiff:
      s = ReadTiff(bytes, &info);
      break;
    case ImageFormat::kWebp:
      s = ReadWebp(bytes, &info);
      break;
    case ImageFormat::kUnknown:
      return InvalidArgumentError(
          "unsupported or unrecognised image format (supported: JPEG, PNG, BMP, "
          "PBM/PGM/PPM, TIFF, WebP; detected by content, not file name)");
  }
  if (!s.ok()) return s;
  return info;
}

}  // namespace candor::image_internal
