// Copyright 2026 The Candor Authors.
//
// candor enroll --gallery G --dir DIR --id-from folder|filename|csv:FILE
//
// Bulk enrollment: every image under DIR goes through the pipeline on all
// cores; each with exactly one usable face is enrolled (group-committed in
// batches, durable when acknowledged). Resumable: an image whose SHA-256 is
// already enrolled in the gallery is skipped. Every image that cannot be
// enrolled is written with the reason (decode error, no face, several faces,
// low quality, ...) to the failures CSV; enrollment never stops for one bad
// image. --check-duplicates searches the gallery before enrolling a new
// subject for probable duplicate identities (subjects scoring above the
// threshold calibrated for --duplicate-fpir). That is a 1:N search, so it is
// governed like one (docs/GOVERNANCE.md): it runs only under --authorization,
// an approved authorization of purpose "duplicate-check" that names the
// enroller, through the search gate (each check audited as
// "search.duplicate_check" and counted against the authorization), and its
// candidates go to examiners for review (`candor review`); the enroller sees
// only that each check ran, its search id and its candidate count, never
// subject ids or scores. A refused check stops the run.
//
// Subject ids: folder = the image's parent directory name; filename = the
// file stem without a trailing _<digits> (LFW's Name_0001.jpg -> Name);
// csv:FILE = rows "path,subject_id" (path relative to DIR; header optional).
// Progress (done/total, rate, ETA) goes to stderr; the summary to stdout.
// --keep-images also stores each enrolled image itself, sealed with its
// subject's data key (for examiners' side-by-side review; shredded with the
// subject); without it only the image's SHA-256 is kept. --attributes FILE
// gives new subjects sealed attributes (sex, age_band, group) for per-group
// calibration (`candor calibrate --gallery G --group-attribute sex`).
//
// Governed like the server's enroll: only as a named enroller or admin
// (--as / $CANDOR_USER; refused, and audited, otherwise). The audit log gets
// one "gallery.enroll" entry per durable group commit (subjects and templates
// stored) and one "gallery.enroll_summary" per run (images, enrolled,
// skipped, failed), or one refused "gallery.enroll" for a run that fails
// before enrolling (unknown gallery, bad --dir).

#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "candor/face_choice.h"
#include "cli/cli_search.h"
#include "cli/command.h"
#include "cli/gallery_flags.h"
#include "cli/operator_gate.h"
#include "cli/pipeline_flags.h"
#include "common/attributes_csv.h"
#include "common/file_util.h"
#include "common/hash.h"

namespace candor::cli {
namespace {

namespace fs = std::filesystem;

struct Args {
  StoreFlags store;
  GovernFlags govern;  // --as, --audit-key
  PipelineFlags flags;
  std::string gallery, dir, id_from = "folder", failures = "enroll-failures.csv";
  std::string calibration, authorization;
  std::string attributes;  // CSV: subject_id,key=value[,key=value...]
  std::string face;  // "", "largest" or "center" (face_choice.h)
  bool check_duplicates = false;
  bool keep_images = false;
  double duplicate_fpir = 1e-3;
  int min_quality = 0;
  int batch = 64;
  int workers = 0;
};

struct Item {
  std::string path;
  std::string subject;
};

struct Outcome {
  const Item* item = nullptr;
  std::string failure;  // reason; empty = ok or skipped
  std::string detail;
  bool skipped = false;
  bool chosen = false;  // one face of several, by --face
  TemplateInput input;
};

bool IsImage(const fs::path& p) {
  std::string e = p.extension().string();
  for (char& c : e) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static const std::set<std::string> kExt = {".jpg", ".jpeg", ".png", ".bmp", ".webp",
                                             ".tif", ".tiff", ".pgm", ".ppm", ".pnm"};
  return kExt.count(e) > 0;
}

std::string StemId(const fs::path& p) {
  std::string s = p.stem().string();
  size_t u = s.find_last_of('_');
  if (u != std::string::npos && u + 1 < s.size() &&
      s.find_first_not_of("0123456789", u + 1) == std::string::npos) {
    s.resize(u);
  }
  return s;
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

StatusOr<std::vector<Item>> ListItems(const Args& a) {
  std::error_code ec;
  if (!fs::is_directory(a.dir, ec)) return NotFoundError("--dir " + a.dir + " is not a directory");
  std::vector<Item> items;
  if (a.id_from.rfind("csv:", 0) == 0) {
    const std::string csv = a.id_from.substr(4);
    std::ifstream in(csv);
    if (!in) return NotFoundError("cannot read id CSV " + csv);
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      ++n;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) continue;
      size_t comma = line.rfind(',');
      if (comma == std::string::npos) {
        return InvalidArgumentError(csv + ":" + std::to_string(n) + ": expected path,subject_id");
      }
      std::string path = line.substr(0, comma), id = line.substr(comma + 1);
      if (n == 1 && (path == "path" || path == "file")) continue;  // header
      items.push_back({(fs::path(a.dir) / path).string(), id});
    }
    return items;
  }
  if (a.id_from != "folder" && a.id_from != "filename") {
    return InvalidArgumentError("--id-from must be folder, filename or csv:FILE");
  }
  for (auto it = fs::recursive_directory_iterator(a.dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (!it->is_regular_file() || !IsImage(it->path())) continue;
    items.push_back({it->path().string(), a.id_from == "folder"
                                              ? it->path().parent_path().filename().string()
                                              : StemId(it->path())});
  }
  if (ec) return UnavailableError("cannot list " + a.dir + ": " + ec.message());
  std::sort(items.begin(), items.end(), [](const Item& x, const Item& y) { return x.path < y.path; });
  return items;
}

std::string Clock(double s) {
  if (!std::isfinite(s) || s < 0) return "--:--";
  long t = static_cast<long>(s + 0.5);
  char buf[32];
  if (t >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
  else std::snprintf(buf, sizeof buf, "%02ld:%02ld", t / 60, t % 60);
  return buf;
}

void Progress(size_t done, size_t total, double secs, bool final) {
  const int width = 30;
  const double f = total ? static_cast<double>(done) / total : 1.0;
  const int fill = static_cast<int>(f * width);
  const double rate = secs > 0 ? done / secs : 0;
  std::fprintf(stderr, "\r[%s%s] %zu/%zu %5.1f img/s ETA %s ", std::string(fill, '=').c_str(),
               std::string(width - fill, ' ').c_str(), done, total, rate,
               Clock(rate > 0 ? (total - done) / rate : NAN).c_str());
  if (final) std::fprintf(stderr, "\n");
  std::fflush(stderr);
}

// Runs the pipeline on one image; classifies every way it can fail.
Outcome Process(const Item& item, const Pipeline& pipeline, const Store& store, const Args& a) {
  Outcome o;
  o.item = &item;
  // The store checks ids too, but per batch: one bad id must fail its image only.
  if (Status id = ValidateSubjectId(item.subject); !id.ok()) {
    o.failure = "bad subject id";
    o.detail = id.message();
    return o;
  }
  auto bytes = ReadFile(item.path);
  if (!bytes.ok()) {
    o.failure = "read error";
    o.detail = bytes.status().message();
    return o;
  }
  o.input.image_sha256 = Sha256(*bytes);
  auto have = store.HasImage(a.gallery, o.input.image_sha256);
  if (have.ok() && *have) {
    o.skipped = true;
    return o;
  }
  auto image = pipeline.Decode(*bytes);
  if (!image.ok()) {
    o.failure = "decode error";
    o.detail = image.status().message();
    return o;
  }
  auto faces = pipeline.Process(*image);
  if (!faces.ok()) {
    o.failure = "processing error";
    o.detail = faces.status().message();
    return o;
  }
  if (faces->empty()) {
    o.failure = "no face";
    return o;
  }
  std::vector<Face> found;
  for (const auto& pf : *faces) found.push_back(pf.face);
  auto choice = ParseFaceChoice(a.face);
  auto pick = choice.ok() ? ChooseFace(found, image->cols, image->rows, *choice) : choice.status();
  if (!pick.ok()) {
    o.failure = "several faces";
    o.detail = std::to_string(faces->size()) + " faces (--face largest|center chooses one)";
    return o;
  }
  o.chosen = faces->size() > 1;
  const ProcessedFace& f = (*faces)[*pick];
  if (f.face.quality.score < a.min_quality) {
    o.failure = "low quality";
    std::string issues;
    for (const auto& s : f.face.quality.issues) issues += (issues.empty() ? "" : "; ") + s;
    o.detail = "score " + std::to_string(f.face.quality.score) + (issues.empty() ? "" : ": " + issues);
    return o;
  }
  o.input.tmpl = f.tmpl;
  if (a.keep_images) {
    if (bytes->size() > kMaxStoredImageBytes) {
      o.failure = "image too large to keep";
      o.detail = std::to_string(bytes->size()) + " bytes; --keep-images stores at most " +
                 std::to_string(kMaxStoredImageBytes);
      return o;
    }
    o.input.image.assign(bytes->begin(), bytes->end());
  }
  o.input.quality = static_cast<float>(f.face.quality.score);
  struct stat st;
  if (::stat(item.path.c_str(), &st) == 0) {
    std::tm tm{};
    gmtime_r(&st.st_mtime, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    o.input.capture_date = buf;  // file date: the best capture date we have
  }
  return o;
}

constexpr char kEnrollAction[] = "gallery.enroll";

// --attributes FILE: rows "subject_id,key=value[,key=value...]" (sex, age_band,
// group; docs/STORE.md). Sealed with the subject; applied to new subjects only.
StatusOr<std::map<std::string, SubjectAttributes>> ReadAttributes(const std::string& file) {
  std::map<std::string, SubjectAttributes> out;
  if (file.empty()) return out;
  CANDOR_ASSIGN_OR_RETURN(AttributesById rows, ReadAttributesCsv(file));
  for (auto& [subject, attributes] : rows) {
    Status v = ValidateSubjectAttributes(attributes);
    if (!v.ok()) return v.WithContext(file + ", subject " + subject);
    out[subject] = std::move(attributes);
  }
  return out;
}

// `*audited` is set once the run's summary entry is written; an error
// returned before that is audited by Run as a refusal.
Status Enroll(const Args& a, const GlobalOptions& global, OperatorGate& gate, bool* audited) {
  if (a.check_duplicates && a.authorization.empty()) {
    return PermissionDeniedError(
        "--check-duplicates is a governed 1:N search: pass --authorization ID, an approved "
        "authorization of purpose 'duplicate-check' for this gallery that names you");
  }
  CANDOR_ASSIGN_OR_RETURN(std::vector<Item> items, ListItems(a));
  CANDOR_ASSIGN_OR_RETURN(auto attributes, ReadAttributes(a.attributes));
  CANDOR_ASSIGN_OR_RETURN(auto store, OpenStore(a.store, false, false));
  CANDOR_ASSIGN_OR_RETURN(GalleryInfo g, store->GetGallery(a.gallery));
  const int workers = a.workers > 0 ? a.workers
                                    : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  PipelineOptions po = ToPipelineOptions(a.flags);
  po.threads = workers;
  if (po.embedder.empty() && !g.model_id.empty()) po.embedder = g.model_id;
  CANDOR_ASSIGN_OR_RETURN(auto pipeline, Pipeline::Open(po));
  // Duplicate checks are governed searches through the search desk: the
  // threshold for --duplicate-fpir from the gallery's calibration (or the
  // model's), the one sealed record, candidates to examiners.
  std::unique_ptr<SearchBook> book;
  std::unique_ptr<SearchDesk> desk;
  if (a.check_duplicates && !g.model_id.empty()) {
    CANDOR_RETURN_IF_ERROR(
        LoadCalibrationFor(a.calibration, g.model_id, g.model_sha256).status());
    SearchCalibrationOptions sc;
    sc.model_calibration = a.calibration;
    sc.target_fpir = a.duplicate_fpir;
    CANDOR_ASSIGN_OR_RETURN(book, OpenSearchBook(a.store));
    desk = std::make_unique<SearchDesk>(*gate.governance, *store,
                                        OpenSearchCalibration(*store, sc), book.get());
  }
  std::ofstream failures(a.failures, std::ios::trunc);
  if (!failures) return UnavailableError("cannot write failures CSV " + a.failures);
  failures << "path,subject_id,reason,detail\n";

  // Workers process images in order of an atomic cursor; the main thread
  // commits results in batches (a batch is durable when Enroll returns).
  std::atomic<size_t> next{0};
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Outcome> ready;
  std::vector<std::thread> pool;
  for (int w = 0; w < workers; ++w) {
    pool.emplace_back([&] {
      for (size_t i; (i = next.fetch_add(1)) < items.size();) {
        Outcome o = Process(items[i], *pipeline, *store, a);
        std::lock_guard<std::mutex> l(mu);
        ready.push_back(std::move(o));
        cv.notify_one();
      }
    });
  }
  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  size_t done = 0, enrolled = 0, skipped = 0, duplicate_checks = 0;
  std::map<std::string, int> reasons;
  nlohmann::json duplicates = nlohmann::json::array();
  std::vector<EnrollRequest> batch;
  std::map<std::string, size_t> batch_index;
  size_t batch_chosen = 0;  // templates of the batch chosen among several faces
  Status first_error;
  auto fail = [&](const Item& item, const std::string& reason, const std::string& detail) {
    failures << CsvField(item.path) << "," << CsvField(item.subject) << "," << reason << ","
             << CsvField(detail) << "\n";
    ++reasons[reason];
  };
  auto commit = [&]() -> Status {
    if (batch.empty()) return OkStatus();
    Status s = store->Enroll(a.gallery, batch);
    if (!s.ok()) return s;
    size_t templates = 0;
    for (const auto& r : batch) templates += r.templates.size();
    enrolled += templates;
    // One entry per durable group commit: what is stored is audited even if
    // the run dies later. If it cannot be written, enrolling stops.
    CANDOR_RETURN_IF_ERROR(AuditAction(
        gate, kEnrollAction, a.gallery, OkStatus(),
        "group commit: " + std::to_string(batch.size()) + " subjects, " +
            std::to_string(templates) + " templates enrolled" +
            (batch_chosen ? "; " + std::to_string(batch_chosen) +
                                " from photos with several faces: the " + a.face +
                                " face, chosen by the operator (--face " + a.face + ")"
                          : std::string())));
    batch.clear();
    batch_index.clear();
    batch_chosen = 0;
    failures.flush();
    return OkStatus();
  };
  double last_draw = -1;
  while (done < items.size()) {
    Outcome o;
    {
      std::unique_lock<std::mutex> l(mu);
      cv.wait(l, [&] { return !ready.empty(); });
      o = std::move(ready.front());
      ready.pop_front();
    }
    ++done;
    if (o.skipped) {
      ++skipped;
    } else if (!o.failure.empty()) {
      fail(*o.item, o.failure, o.detail);
    } else if (!first_error.ok()) {
      fail(*o.item, "not attempted", first_error.message());
    } else {
      // The first template fixes the gallery's model; later ones must match.
      if (!g.model_id.empty() &&
          (o.input.tmpl.model_id != g.model_id || o.input.tmpl.model_sha256 != g.model_sha256)) {
        fail(*o.item, "wrong model", "template from " + o.input.tmpl.model_id + ", gallery holds " + g.model_id);
      } else {
        if (g.model_id.empty()) {
          g.model_id = o.input.tmpl.model_id;
          g.model_sha256 = o.input.tmpl.model_sha256;
        }
        auto existing = store->GetSubject(a.gallery, o.item->subject, false);
        const bool is_new = !existing.ok() && batch_index.count(o.item->subject) == 0;
        if (is_new && a.check_duplicates && desk) {
          // A governed 1:N search: gate, audit, and candidates to review.
          SearchRequest req;
          req.kind = SearchKind::kDuplicateCheck;
          req.gallery = a.gallery;
          req.authorization_id = a.authorization;
          req.candidate_list_size = 3;
          req.probe_hash = HexEncode(o.input.image_sha256);
          const Template probe = o.input.tmpl;
          auto check = desk->Identify(
              gate.operator_principal, req,
              FaceModality(*store, [&probe]() -> StatusOr<Template> { return probe; }));
          if (check.ok()) WarnIfUnrecorded(*check);
          if (!check.ok()) {
            fail(*o.item, "duplicate check refused", check.status().message());
            first_error = check.status();
            continue;
          }
          ++duplicate_checks;
          const size_t n = check->result.candidates.size();
          if (n > 0) {  // who they might be goes to examiners, not to the enroller
            duplicates.push_back({{"path", o.item->path},
                                  {"new_subject", o.item->subject},
                                  {"search_id", check->ticket.search_id},
                                  {"candidate_count", n}});
          }
        }
        auto it = batch_index.find(o.item->subject);
        if (it == batch_index.end()) {
          EnrollRequest r;
          r.subject_id = o.item->subject;
          r.append_to_existing = true;
          if (auto at = attributes.find(r.subject_id); is_new && at != attributes.end()) {
            r.attributes = at->second;
          }
          batch_index[o.item->subject] = batch.size();
          batch.push_back(std::move(r));
          it = batch_index.find(o.item->subject);
        }
        batch[it->second].templates.push_back(std::move(o.input));
        batch_chosen += o.chosen ? 1 : 0;
        if (static_cast<int>(batch.size()) >= a.batch) {
          Status s = commit();
          if (!s.ok()) {
            // Report every image of the failed batch, keep going is unsafe
            // (disk full, corruption): stop enrolling, finish the listing.
            for (const auto& r : batch) {
              for (size_t k = 0; k < r.templates.size(); ++k) reasons["not stored"]++;
            }
            batch.clear();
            batch_index.clear();
            batch_chosen = 0;
            first_error = s;
          }
        }
      }
    }
    if (elapsed() - last_draw > 0.2 || done == items.size()) {
      Progress(done, items.size(), elapsed(), done == items.size());
      last_draw = elapsed();
    }
  }
  for (auto& t : pool) t.join();
  if (first_error.ok()) {
    Status s = commit();
    if (!s.ok()) first_error = s;
  }
  failures.close();
  size_t failed = 0;
  for (const auto& [r, n] : reasons) failed += n;
  nlohmann::json doc = {{"gallery", a.gallery},
                        {"images", items.size()},
                        {"enrolled", enrolled},
                        {"skipped_already_enrolled", skipped},
                        {"failed", failed},
                        {"failures_by_reason", reasons},
                        {"failures_csv", a.failures},
                        {"images_kept", a.keep_images},
                        {"seconds", elapsed()},
                        {"images_per_second", items.empty() ? 0.0 : items.size() / elapsed()}};
  if (a.check_duplicates) {
    doc["duplicate_checks"] = duplicate_checks;
    doc["duplicate_checks_pending_review"] = duplicates;
  }
  *audited = true;
  Status summary = AuditAction(
      gate, "gallery.enroll_summary", a.gallery, first_error,
      std::to_string(items.size()) + " images: " + std::to_string(enrolled) +
          " templates enrolled, " + std::to_string(skipped) + " already enrolled, " +
          std::to_string(failed) + " not enrolled" +
          (a.check_duplicates ? ", " + std::to_string(duplicate_checks) +
                                    " duplicate checks (" + std::to_string(duplicates.size()) +
                                    " with candidates for review)"
                              : std::string()));
  if (first_error.ok() && !summary.ok()) return summary;
  if (global.json) {
    std::cout << doc.dump(2) << std::endl;
  } else {
    std::cout << "enrolled " << enrolled << ", skipped " << skipped << " already enrolled, "
              << failed << " could not be enrolled (see " << a.failures << ")";
    if (a.check_duplicates) {
      std::cout << "; " << duplicate_checks << " duplicate checks, " << duplicates.size()
                << " with candidates for examiners to review";
    }
    std::cout << std::endl;
    for (const auto& d : duplicates) {
      std::cout << "  " << d["path"].get<std::string>() << ": search "
                << d["search_id"].get<std::string>() << ", " << d["candidate_count"]
                << " candidates pending review" << std::endl;
    }
  }
  return first_error;
}

Status Run(const Args& a, const GlobalOptions& global) {
  CANDOR_ASSIGN_OR_RETURN(OperatorGate gate,
                          OpenOperatorGateFor(a.govern, a.store, {Role::kEnroller, Role::kAdmin},
                                              kEnrollAction, a.gallery));
  bool audited = false;
  Status s = Enroll(a, global, gate, &audited);
  if (audited) return s;
  return AuditAction(gate, kEnrollAction, a.gallery, s, "");
}

const bool kRegistered = RegisterCommand({
    "enroll", "Bulk-enroll a directory of images into a gallery (resumable, all cores)",
    [](CLI::App& sub, const GlobalOptions& global) -> RunFn {
      auto a = std::make_shared<Args>();
      sub.add_option("--gallery", a->gallery, "Gallery name")->required();
      sub.add_option("--dir", a->dir, "Directory of images (searched recursively)")->required();
      sub.add_option("--id-from", a->id_from, "Subject ids from: folder | filename | csv:FILE");
      sub.add_option("--failures", a->failures, "CSV of images that could not be enrolled, and why");
      sub.add_flag("--check-duplicates", a->check_duplicates,
                   "Search the gallery before enrolling each new subject (a governed 1:N search: "
                   "needs --authorization; candidates go to review)");
      sub.add_option("--authorization", a->authorization,
                     "For --check-duplicates: an authorization of purpose 'duplicate-check' "
                     "naming you");
      sub.add_option("--duplicate-fpir", a->duplicate_fpir, "FPIR the duplicate threshold is set for")
          ->check(CLI::Range(0.0, 1.0));
      sub.add_option("--calibration", a->calibration, "Calibration file for --check-duplicates");
      sub.add_option("--attributes", a->attributes,
                     "CSV of subject_id,key=value,... (sex, age_band, group): sealed subject "
                     "attributes for per-group calibration, new subjects only");
      sub.add_flag("--keep-images", a->keep_images,
                   "Also store each enrolled image (encrypted with its subject's key, "
                   "deleted with the subject) for examiners; default keeps only its SHA-256");
      sub.add_option("--face", a->face,
                     "A photo with several faces is refused unless this chooses one: largest | "
                     "center (the choice is audited)")
          ->check(CLI::IsMember({"largest", "center"}));
      sub.add_option("--min-quality", a->min_quality, "Refuse faces with a quality score below this (0-100)")
          ->check(CLI::Range(0, 100));
      sub.add_option("--batch", a->batch, "Subjects per group commit")->check(CLI::Range(1, 100000));
      sub.add_option("--workers", a->workers, "Images processed in parallel (default: all cores)")
          ->check(CLI::Range(0, 64));
      AddStoreFlags(sub, &a->store);
      AddOperatorFlags(sub, &a->govern);
      AddPipelineFlags(sub, &a->flags);
      return [a, &global] { return Run(*a, global); };
    }});

}  // namespace
}  // namespace candor::cli
