// Copyright 2026 The Candor Authors.

#include "image/test_images.h"

#include <gtest/gtest.h>
#include <jpeglib.h>
#include <zlib.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "common/paths.h"

namespace candor::testing_images {

std::vector<uint8_t> Encode(const cv::Mat& img, const std::string& ext, std::vector<int> params) {
  std::vector<uint8_t> out;
  bool ok = cv::imencode(ext, img, out, params);
  EXPECT_TRUE(ok) << "imencode " << ext;
  return out;
}

std::vector<uint8_t> WithExifOrientation(const std::vector<uint8_t>& jpeg, int orientation,
                                         bool big_endian) {
  std::vector<uint8_t> tiff;
  auto u16 = [&](uint16_t v) {
    if (big_endian) {
      tiff.push_back(v >> 8);
      tiff.push_back(v & 0xff);
    } else {
      tiff.push_back(v & 0xff);
      tiff.push_back(v >> 8);
    }
  };
  auto u32 = [&](uint32_t v) {
    if (big_endian) {
      u16(v >> 16);
      u16(v & 0xffff);
    } else {
      u16(v & 0xffff);
      u16(v >> 16);
    }
  };
  tiff.push_back(big_endian ? 'M' : 'I');
  tiff.push_back(big_endian ? 'M' : 'I');
  u16(42);
  u32(8);
  u16(1);       // one entry
  u16(0x0112);  // Orientation
  u16(3);       // SHORT
  u32(1);       // count
  u16(static_cast<uint16_t>(orientation));
  u16(0);  // padding of the 4-byte value field
  u32(0);  // no next IFD
  std::vector<uint8_t> app1 = {0xFF, 0xE1};
  uint16_t len = static_cast<uint16_t>(2 + 6 + tiff.size());
  app1.push_back(len >> 8);
  app1.push_back(len & 0xff);
  const char exif[6] = {'E', 'x', 'i', 'f', 0, 0};
  app1.insert(app1.end(), exif, exif + 6);
  app1.insert(app1.end(), tiff.begin(), tiff.end());
  std::vector<uint8_t> out(jpeg.begin(), jpeg.begin() + 2);
  out.insert(out.end(), app1.begin(), app1.end());
  out.insert(out.end(), jpeg.begin() + 2, jpeg.end());
  return out;
}

namespace {
void PutBe32(std::vector<uint8_t>& v, uint32_t x) {
  for (int i = 3; i >= 0; --i) v.push_back(static_cast<uint8_t>(x >> (8 * i)));
}
void Chunk(std::vector<uint8_t>& png, const char* type, const std::vector<uint8_t>& data) {
  PutBe32(png, static_cast<uint32_t>(data.size()));
  size_t start = png.size();
  png.insert(png.end(), type, type + 4);
  if (!data.empty()) png.insert(png.end(), data.begin(), data.end());
  uLong crc = crc32(0, png.data() + start, static_cast<uInt>(png.size() - start));
  PutBe32(png, static_cast<uint32_t>(crc));
}
std::vector<uint8_t> Ihdr(uint32_t w, uint32_t h, int color_type) {
  std::vector<uint8_t> d;
  PutBe32(d, w);
  PutBe32(d, h);
  d.push_back(8);
  d.push_back(static_cast<uint8_t>(color_type));
  d.push_back(0);
  d.push_back(0);
  d.push_back(0);
  return d;
}
const uint8_t kSig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
}  // namespace

std::vector<uint8_t> MakePng(int width, int height, int color_type,
                             const std::vector<uint8_t>& pixels) {
  int ch = color_type == 0 ? 1 : color_type == 2 ? 3 : color_type == 4 ? 2 : 4;
  std::vector<uint8_t> raw;
  for (int y = 0; y < height; ++y) {
    raw.push_back(0);  // filter: none
    raw.insert(raw.end(), pixels.begin() + size_t(y) * width * ch,
               pixels.begin() + size_t(y + 1) * width * ch);
  }
  uLongf zlen = compressBound(static_cast<uLong>(raw.size()));
  std::vector<uint8_t> z(zlen);
  EXPECT_EQ(compress(z.data(), &zlen, raw.data(), static_cast<uLong>(raw.size())), Z_OK);
  z.resize(zlen);
  std::vector<uint8_t> png(kSig, kSig + 8);
  Chunk(png, "IHDR", Ihdr(width, height, color_type));
  Chunk(png, "IDAT", z);
  Chunk(png, "IEND", {});
  return png;
}

std::vector<uint8_t> WithPngExifOrientation(const std::vector<uint8_t>& png, int orientation) {
  // The EXIF blob is the TIFF structure that WithExifOrientation puts after "Exif\0\0".
  std::vector<uint8_t> fake_jpeg = {0xFF, 0xD8};
  auto app1 = WithExifOrientation(fake_jpeg, orientation);
  std::vector<uint8_t> tiff(app1.begin() + 2 + 4 + 6, app1.end());
  std::vector<uint8_t> chunk;
  Chunk(chunk, "eXIf", tiff);
  const size_t after_ihdr = 8 + 12 + 13;
  std::vector<uint8_t> out(png.begin(), png.begin() + after_ihdr);
  out.insert(out.end(), chunk.begin(), chunk.end());
  out.insert(out.end(), png.begin() + after_ihdr, png.end());
  return out;
}

std::vector<uint8_t> WithWebpExifOrientation(const std::vector<uint8_t>& webp, int width,
                                             int height, int orientation) {
  auto le32 = [](std::vector<uint8_t>& v, uint32_t x) {
    for (int i = 0; i < 4; ++i) v.push_back(static_cast<uint8_t>(x >> (8 * i)));
  };
  std::vector<uint8_t> fake_jpeg = {0xFF, 0xD8};
  auto app1 = WithExifOrientation(fake_jpeg, orientation);
  std::vector<uint8_t> tiff(app1.begin() + 2 + 4 + 6, app1.end());
  std::vector<uint8_t> body = {'W', 'E', 'B', 'P', 'V', 'P', '8', 'X'};
  le32(body, 10);
  body.push_back(0x08);  // EXIF present
  body.insert(body.end(), {0, 0, 0});
  for (int v : {width - 1, height - 1}) {
    body.push_back(static_cast<uint8_t>(v));
    body.push_back(static_cast<uint8_t>(v >> 8));
    body.push_back(static_cast<uint8_t>(v >> 16));
  }
  body.insert(body.end(), webp.begin() + 12, webp.end());  // the original image chunk(s)
  body.insert(body.end(), {'E', 'X', 'I', 'F'});
  le32(body, static_cast<uint32_t>(tiff.size()));
  body.insert(body.end(), tiff.begin(), tiff.end());
  if (tiff.size() & 1) body.push_back(0);
  std::vector<uint8_t> out = {'R', 'I', 'F', 'F'};
  le32(out, static_cast<uint32_t>(body.size()));
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

std::vector<uint8_t> BombPng(uint32_t width, uint32_t height) {
  std::vector<uint8_t> raw(64, 0);
  uLongf zlen = compressBound(64);
  std::vector<uint8_t> z(zlen);
  compress(z.data(), &zlen, raw.data(), 64);
  z.resize(zlen);
  std::vector<uint8_t> png(kSig, kSig + 8);
  Chunk(png, "IHDR", Ihdr(width, height, 2));
  Chunk(png, "IDAT", z);
  Chunk(png, "IEND", {});
  return png;
}

std::vector<uint8_t> CmykJpeg(const cv::Mat& bgr, bool adobe) {
  jpeg_compress_struct c;
  jpeg_error_mgr err;
  c.err = jpeg_std_error(&err);
  jpeg_create_compress(&c);
  unsigned char* mem = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&c, &mem, &size);
  c.image_width = bgr.cols;
  c.image_height = bgr.rows;
  c.input_components = 4;
  c.in_color_space = JCS_CMYK;
  jpeg_set_defaults(&c);
  jpeg_set_quality(&c, 95, TRUE);
  c.write_Adobe_marker = adobe ? TRUE : FALSE;
  jpeg_start_compress(&c, TRUE);
  std::vector<uint8_t> row(size_t(bgr.cols) * 4);
  while (c.next_scanline < c.image_height) {
    const cv::Vec3b* p = bgr.ptr<cv::Vec3b>(c.next_scanline);
    for (int x = 0; x < bgr.cols; ++x) {
      double r = p[x][2] / 255.0, g = p[x][1] / 255.0, b = p[x][0] / 255.0;
      double k = 1 - std::max({r, g, b});
      double cc = k < 1 ? (1 - r - k) / (1 - k) : 0;
      double m = k < 1 ? (1 - g - k) / (1 - k) : 0;
      double y = k < 1 ? (1 - b - k) / (1 - k) : 0;
      // Adobe convention: stored values are inverted (255 = no ink).
      double inv = adobe ? 1.0 : 0.0;
      row[4 * x + 0] = static_cast<uint8_t>(std::lround(255 * std::fabs(inv - cc)));
      row[4 * x + 1] = static_cast<uint8_t>(std::lround(255 * std::fabs(inv - m)));
      row[4 * x + 2] = static_cast<uint8_t>(std::lround(255 * std::fabs(inv - y)));
      row[4 * x + 3] = static_cast<uint8_t>(std::lround(255 * std::fabs(inv - k)));
    }
    JSAMPROW rp = row.data();
    jpeg_write_scanlines(&c, &rp, 1);
  }
  jpeg_finish_compress(&c);
  jpeg_destroy_compress(&c);
  std::vector<uint8_t> out(mem, mem + size);
  free(mem);
  return out;
}

std::vector<std::pair<std::string, std::vector<uint8_t>>> SeedImages() {
  cv::Mat bgr(12, 16, CV_8UC3);
  for (int y = 0; y < bgr.rows; ++y) {
    for (int x = 0; x < bgr.cols; ++x) {
      bgr.at<cv::Vec3b>(y, x) = cv::Vec3b(static_cast<uint8_t>(x * 16), static_cast<uint8_t>(y * 20),
                                          static_cast<uint8_t>((x + y) * 9));
    }
  }
  cv::Mat grey, bgra, wide;
  cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
  cv::cvtColor(bgr, bgra, cv::COLOR_BGR2BGRA);
  bgr.convertTo(wide, CV_16UC3, 257.0);
  std::vector<uint8_t> grey_alpha;
  for (int y = 0; y < grey.rows; ++y) {
    for (int x = 0; x < grey.cols; ++x) {
      grey_alpha.push_back(grey.at<uint8_t>(y, x));
      grey_alpha.push_back(static_cast<uint8_t>(255 - x * 8));
    }
  }
  const std::vector<uint8_t> jpg = Encode(bgr, ".jpg", {cv::IMWRITE_JPEG_QUALITY, 90});
  return {
      {"tiny.bmp", Encode(bgr, ".bmp")},
      {"tiny.jpg", jpg},
      {"tiny.pbm", Encode(grey, ".pbm")},
      {"tiny.pgm", Encode(grey, ".pgm")},
      {"tiny.png", Encode(bgr, ".png")},
      {"tiny.ppm", Encode(bgr, ".ppm")},
      {"tiny.tiff", Encode(bgr, ".tiff")},
      {"tiny_16bit.png", Encode(wide, ".png")},
      {"tiny_16bit.tiff", Encode(wide, ".tiff")},
      {"tiny_ascii.pgm", Encode(grey, ".pgm", {cv::IMWRITE_PXM_BINARY, 0})},
      {"tiny_bgra.png", Encode(bgra, ".png")},
      {"tiny_cmyk.jpg", CmykJpeg(bgr)},
      {"tiny_exif6.jpg", WithExifOrientation(jpg, 6)},
      {"tiny_exif8_be.jpg", WithExifOrientation(jpg, 8, /*big_endian=*/true)},
      {"tiny_grey.bmp", Encode(grey, ".bmp")},
      {"tiny_grey.jpg", Encode(grey, ".jpg")},
      {"tiny_grey.png", Encode(grey, ".png")},
      {"tiny_grey_alpha.png", MakePng(grey.cols, grey.rows, 4, grey_alpha)},
      {"tiny_lossless.webp", Encode(bgr, ".webp", {cv::IMWRITE_WEBP_QUALITY, 101})},
      {"tiny_lossy.webp", Encode(bgr, ".webp", {cv::IMWRITE_WEBP_QUALITY, 80})},
      {"tiny_progressive.jpg", Encode(bgr, ".jpg", {cv::IMWRITE_JPEG_PROGRESSIVE, 1})},
  };
}

double MeanAbsDiff(const cv::Mat& a, const cv::Mat& b) {
  if (a.size() != b.size() || a.type() != b.type()) return 1e9;
  cv::Mat d;
  cv::absdiff(a, b, d);
  cv::Scalar s = cv::mean(d);
  double t = 0;
  for (int i = 0; i < a.channels(); ++i) t += s[i];
  return t / a.channels();
}

cv::Mat MarkedFace() {
  auto data = DataDir();
  if (!data) return {};
  cv::Mat img = cv::imread((*data / "faces/lfw/Aaron_Eckhart/Aaron_Eckhart_0001.jpg").string(),
                           cv::IMREAD_COLOR);
  if (img.empty()) return {};
  img = img(cv::Rect(0, 0, 250, 200)).clone();  // non-square, so rotations change the shape
  cv::rectangle(img, cv::Rect(5, 5, 40, 40), cv::Scalar(255, 255, 255), cv::FILLED);
  cv::rectangle(img, cv::Rect(200, 150, 40, 40), cv::Scalar(0, 0, 255), cv::FILLED);
  return img;
}

}  // namespace candor::testing_images
