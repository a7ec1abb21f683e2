// Copyright 2026 The Candor Authors.
//
// libjpeg reports fatal errors by longjmp. To keep that well-defined in C++,
// every libjpeg call happens in the small functions below, which hold only
// trivially destructible locals; C++ objects (cv::Mat) live in the caller.

#include "image/jpeg_decoder.h"

#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <string>

// jpeglib.h needs FILE and size_t declared first.
#include <jpeglib.h>

#include <opencv2/core.hpp>

namespace candor::image_internal {
namespace {

struct ErrorMgr {
  jpeg_error_mgr pub;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
  int warnings;
};

void OnError(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<ErrorMgr*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

void OnMessage(j_common_ptr cinfo, int level) {
  // level < 0: a warning (corrupt data); count it, print nothing.
  if (level < 0) reinterpret_cast<ErrorMgr*>(cinfo->err)->warnings++;
}

void Silent(j_common_ptr) {}

struct Decoder {
  jpeg_decompress_struct cinfo;
  ErrorMgr err;
  bool created;
  bool cmyk;
  bool adobe;
};

// Phase 1: header and output geometry. Returns false on a libjpeg error.
bool Start(Decoder* d, const uint8_t* data, size_t size) {
  d->cinfo.err = jpeg_std_error(&d->err.pub);
  d->err.pub.error_exit = OnError;
  d->err.pub.emit_message = OnMessage;
  d->err.pub.output_message = Silent;
  d->err.warnings = 0;
  d->err.message[0] = 0;
  d->created = false;
  if (setjmp(d->err.jump)) return false;
  jpeg_create_decompress(&d->cinfo);
  d->created = true;
  jpeg_mem_src(&d->cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(&d->cinfo, TRUE);
  d->cmyk = d->cinfo.jpeg_color_space == JCS_CMYK || d->cinfo.jpeg_color_space == JCS_YCCK;
  d->adobe = d->cinfo.saw_Adobe_marker;
  if (d->cinfo.num_components == 1) {
    d->cinfo.out_color_space = JCS_GRAYSCALE;
  } else if (d->cmyk) {
    d->cinfo.out_color_space = JCS_CMYK;
  } else {
    d->cinfo.out_color_space = JCS_EXT_BGR;
  }
  jpeg_start_decompress(&d->cinfo);
  return true;
}

// Phase 2: all scanlines into `rows` (caller-allocated, output_height rows).
bool ReadRows(Decoder* d, uint8_t** rows) {
  if (setjmp(d->err.jump)) return false;
  while (d->cinfo.output_scanline < d->cinfo.output_height) {
    JSAMPROW row = rows[d->cinfo.output_scanline];
    if (jpeg_read_scanlines(&d->cinfo, &row, 1) != 1) return false;
  }
  jpeg_finish_decompress(&d->cinfo);
  return true;
}

void Destroy(Decoder* d) {
  if (d->created) jpeg_destroy_decompress(&d->cinfo);
  d->created = false;
}

}  // namespace

StatusOr<cv::Mat> DecodeJpeg(std::span<const uint8_t> bytes, int* warnings) {
  Decoder d;
  std::memset(&d, 0, sizeof(d));
  if (!Start(&d, bytes.data(), bytes.size())) {
    std::string msg = d.err.message;
    Destroy(&d);
    return InvalidArgumentError("cannot decode jpeg image: " + msg);
  }
  const int w = static_cast<int>(d.cinfo.output_width), h = static_cast<int>(d.cinfo.output_height);
  const int ch = d.cinfo.output_components;
  if (w <= 0 || h <= 0 || (ch != 1 && ch != 3 && ch != 4)) {
    Destroy(&d);
    return InvalidArgumentError("cannot decode jpeg image: unsupported output geometry");
  }
  cv::Mat raw;
  std::vector<uint8_t*> rows;
  try {
    raw.create(h, w, CV_8UC(ch));
    rows.resize(static_cast<size_t>(h));
  } catch (const std::exception& e) {
    Destroy(&d);
    return ResourceExhaustedError(std::string("cannot allocate the decoded jpeg image: ") +
                                  e.what());
  }
  for (int y = 0; y < h; ++y) rows[static_cast<size_t>(y)] = raw.ptr<uint8_t>(y);
  bool ok = ReadRows(&d, rows.data());
  std::string msg = d.err.message;
  const bool adobe = d.adobe;
  if (warnings) *warnings = d.err.warnings;
  Destroy(&d);
  if (!ok) return InvalidArgumentError("cannot decode jpeg image: " + msg);
  if (ch != 4) return raw;
  // CMYK -> BGR. Adobe (Photoshop) files store inverted CMYK (255 = no ink):
  // R = C*K/255; plain CMYK: R = (255-C)*(255-K)/255.
  cv::Mat bgr(h, w, CV_8UC3);
  for (int y = 0; y < h; ++y) {
    const uint8_t* s = raw.ptr<uint8_t>(y);
    uint8_t* o = bgr.ptr<uint8_t>(y);
    for (int x = 0; x < w; ++x, s += 4, o += 3) {
      int c = s[0], m = s[1], yy = s[2], k = s[3];
      if (!adobe) {
        c = 255 - c;
        m = 255 - m;
        yy = 255 - yy;
        k = 255 - k;
      }
      o[2] = static_cast<uint8_t>((c * k + 127) / 255);
      o[1] = static_cast<uint8_t>((m * k + 127) / 255);
      o[0] = static_cast<uint8_t>((yy * k + 127) / 255);
    }
  }
  return bgr;
}

}  // namespace candor::image_internal
