// Copyright 2026 The Candor Authors.

#include "search_desk/search_book.h"

#include <algorithm>
#include <set>

#include "common/seal.h"
#include "common/sqlite.h"

namespace candor {

using nlohmann::json;

namespace {

constexpr char kSchema[] =
    "CREATE TABLE IF NOT EXISTS searches ("
    " id TEXT PRIMARY KEY, requester TEXT NOT NULL, created_ms INTEGER NOT NULL,"
    " status TEXT NOT NULL, sealed BLOB NOT NULL)";

Status CheckId(const std::string& id) {
  if (id.empty() || id.size() > 128 ||
      id.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") !=
          std::string::npos) {
    return InvalidArgumentError("bad search id");
  }
  return OkStatus();
}

json ToJson(const BookedSearch& s) {
  json cands = json::array();
  for (const auto& c : s.candidates) {
    json j = {{"subject_id", c.subject_id},
              {"record_ref", c.record_ref},
              {"score", c.score},
              {"template_id", c.template_id},
              {"fpir_basis", c.fpir_basis}};
    if (c.fpir) j["fpir"] = *c.fpir;
    if (!c.subject_ref.empty()) j["subject_ref"] = c.subject_ref;
    cands.push_back(std::move(j));
  }
  json reviews = json::array();
  for (const auto& r : s.reviews) {
    reviews.push_back({{"reviewer", r.reviewer},
                       {"reviewer_role", r.reviewer_role},
                       {"subject_id", r.subject_id},
                       {"decision", r.decision},
                       {"notes", r.notes},
                       {"created_ms", r.created_ms}});
  }
  json j = {
      {"summary", s.summary}, {"candidates", cands}, {"reviews", reviews}, {"purged", s.purged}};
  if (!s.scoring.is_null()) j["scoring"] = s.scoring;
  return j;
}

StatusOr<BookedSearch> FromJson(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return DataLossError("search book entry is not JSON");
  try {
    BookedSearch s;
    s.summary = j.at("summary");
    s.purged = j.at("purged").get<bool>();
    if (j.contains("scoring")) s.scoring = j.at("scoring");
    for (const auto& c : j.at("candidates")) {
      BookedCandidate bc;
      bc.subject_id = c.at("subject_id").get<std::string>();
      bc.record_ref = c.at("record_ref").get<std::string>();
      bc.score = c.at("score").get<double>();
      bc.template_id = c.at("template_id").get<int64_t>();
      bc.fpir_basis = c.at("fpir_basis").get<std::string>();
      if (c.contains("fpir")) bc.fpir = c["fpir"].get<double>();
      if (c.contains("subject_ref")) bc.subject_ref = c["subject_ref"].get<std::string>();
      s.candidates.push_back(std::move(bc));
    }
    for (const auto& r : j.at("reviews")) {
      s.reviews.push_back(
          {r.at("reviewer").get<std::string>(), r.at("reviewer_role").get<std::string>(),
           r.at("subject_id").get<std::string>(), r.at("decision").get<std::string>(),
           r.at("notes").get<std::string>(), r.at("created_ms").get<int64_t>()});
    }
    return s;
  } catch (const json::exception& e) {
    return DataLossError(std::string("search book entry is malformed: ") + e.what());
  }
}

}  // namespace

std::vector<std::string> BookedSearch::ConfirmedSubjects() const {
  std::vector<std::string> out;
  const std::string requester_name = requester;
  for (const auto& c : candidates) {
    std::set<std::string> confirmers;
    bool examiner = false, rejected = false;
    for (const auto& r : reviews) {
      if (r.subject_id != c.subject_id) continue;
      if (r.decision == "reject") rejected = true;
      const bool qualified = r.reviewer_role == "examiner" || r.reviewer_role == "supervisor";
      if (r.decision == "confirm" && qualified && r.reviewer != requester_name) {
        confirmers.insert(r.reviewer);
        if (r.reviewer_role == "examiner") examiner = true;
      }
    }
    if (!rejected && examiner && confirmers.size() >= 2) out.push_back(c.subject_id);
  }
  return out;
}

nlohmann::json BookedSearch::ReviewState() const {
  std::vector<std::string> best;  // confirmers of the best candidate not rejected
  bool best_has_examiner = false;
  std::set<std::string> rejecters, reviewers;
  for (const auto& c : candidates) {
    std::vector<std::string> confirmers;
    bool examiner = false, rejected = false;
    for (const auto& r : reviews) {
      if (r.subject_id != c.subject_id) continue;
      if (r.decision == "reject") {
        rejected = true;
        rejecters.insert(r.reviewer);
      }
      const bool qualified = r.reviewer_role == "examiner" || r.reviewer_role == "supervisor";
      if (r.decision == "confirm" && qualified && r.reviewer != requester &&
          std::find(confirmers.begin(), confirmers.end(), r.reviewer) == confirmers.end()) {
        confirmers.push_back(r.reviewer);
        examiner = examiner || r.reviewer_role == "examiner";
      }
    }
    if (!rejected && confirmers.size() > best.size()) {
      best = confirmers;
      best_has_examiner = examiner;
    }
  }
  for (const auto& r : reviews) reviewers.insert(r.reviewer);
  return {{"confirmations", static_cast<int64_t>(std::min<size_t>(best.size(), 2))},
          {"required", 2},
          {"confirmed_by", best},
          {"examiner_confirmed", best_has_examiner},
          {"rejected_by", std::vector<std::string>(rejecters.begin(), rejecters.end())},
          {"reviewed_by", std::vector<std::string>(reviewers.begin(), reviewers.end())}};
}

std::string BookedSearch::StatusName() const {
  if (purged) return "purged";
  const std::string s = summary.is_object() ? summary.value("status", std::string()) : "";
  if (s == "no_candidate" || s == "refused" || s == "decided") return s;
  if (!ConfirmedSubjects().empty()) return "lead_released";
  return "pending_review";
}

struct SearchBook::Impl {
  std::unique_ptr<sqlite::Db> db;
  crypto::Key key;  // the book's sub-key (DeriveKey(store key, "candor-search-book-v1"))

  // The search id is the associated data: a sealed entry moved to another id fails to open.
  std::vector<uint8_t> Seal(const std::string& id, const std::string& plain) const {
    return crypto::Seal(key, plain, id);
  }

  StatusOr<std::string> Open(const std::string& id, std::span<const uint8_t> sealed) const {
    if (sealed.size() < crypto::kSealOverhead) {
      return DataLossError("search book entry '" + id + "' is truncated");
    }
    auto plain = crypto::OpenText(key, sealed, id);
    if (!plain.ok()) {
      return DataLossError("search book entry '" + id +
                           "' fails authentication (wrong key, tampering or corruption)");
    }
    return plain;
  }
};

SearchBook::SearchBook(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SearchBook::~SearchBook() = default;

StatusOr<std::unique_ptr<SearchBook>> SearchBook::Open(const std::filesystem::path& path,
                                                       const StoreKey& key) {
  CANDOR_RETURN_IF_ERROR(crypto::InitCrypto());
  auto impl = std::make_unique<Impl>();
  // A sub-key for this book, so the store key itself never seals these rows.
  impl->key = crypto::DeriveKey(key, "candor-search-book-v1");
  if (!path.empty() && path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
  }
  CANDOR_ASSIGN_OR_RETURN(impl->db, sqlite::Db::Open(path.empty() ? ":memory:" : path.string(),
                                                     {.label = "search book"}));
  CANDOR_RETURN_IF_ERROR(impl->db->Exec(
      "PRAGMA journal_mode=DELETE; PRAGMA synchronous=FULL; PRAGMA secure_delete=ON;"));
  CANDOR_RETURN_IF_ERROR(impl->db->Exec(kSchema));
  return std::unique_ptr<SearchBook>(new SearchBook(std::move(impl)));
}

Status SearchBook::PutLocked(const BookedSearch& s) {
  CANDOR_RETURN_IF_ERROR(CheckId(s.id));
  const std::vector<uint8_t> sealed = impl_->Seal(s.id, ToJson(s).dump());
  CANDOR_ASSIGN_OR_RETURN(
      sqlite::Stmt st,
      sqlite::Stmt::Prepare(*impl_->db,
                            "INSERT OR REPLACE INTO searches (id, requester, created_ms, status, "
                            "sealed) VALUES (?, ?, ?, ?, ?)"));
  st.Bind(1, std::string_view(s.id))
      .Bind(2, std::string_view(s.requester))
      .Bind(3, s.created_ms)
      .Bind(4, std::string_view(s.StatusName()))
      .BindBlob(5, sealed);
  return st.Run();
}

StatusOr<BookedSearch> SearchBook::GetLocked(const std::string& id) const {
  CANDOR_RETURN_IF_ERROR(CheckId(id));
  CANDOR_ASSIGN_OR_RETURN(
      sqlite::Stmt st,
      sqlite::Stmt::Prepare(*impl_->db,
                            "SELECT requester, created_ms, sealed FROM searches WHERE id = ?"));
  st.Bind(1, std::string_view(id));
  CANDOR_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return NotFoundError("no search '" + id + "' in the service's records");
  CANDOR_ASSIGN_OR_RETURN(std::string plain, impl_->Open(id, st.Blob(2)));
  CANDOR_ASSIGN_OR_RETURN(BookedSearch s, FromJson(plain));
  s.id = id;
  s.requester = st.Text(0);
  s.created_ms = st.Int(1);
  return s;
}

Status SearchBook::Put(const BookedSearch& s) {
  std::lock_guard<std::mutex> lock(mu_);
  return PutLocked(s);
}

StatusOr<BookedSearch> SearchBook::Get(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  return GetLocked(id);
}

Status SearchBook::Update(const std::string& id,
                          const std::function<Status(BookedSearch&)>& change) {
  std::lock_guard<std::mutex> lock(mu_);
  CANDOR_ASSIGN_OR_RETURN(BookedSearch s, GetLocked(id));
  CANDOR_RETURN_IF_ERROR(change(s));
  return PutLocked(s);
}

StatusOr<std::vector<BookedSearch>> SearchBook::List(const std::string& requester,
                                                     const std::string& status) const {
  std::lock_guard<std::mutex> lock(mu_);
  CANDOR_ASSIGN_OR_RETURN(
      sqlite::Stmt st,
      sqlite::Stmt::Prepare(*impl_->db,
                            "SELECT id FROM searches WHERE (?1 = '' OR requester = ?1) AND "
                            "(?2 = '' OR status = ?2) ORDER BY created_ms, id"));
  st.Bind(1, std::string_view(requester)).Bind(2, std::string_view(status));
  std::vector<std::string> ids;
  while (true) {
    CANDOR_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    ids.push_back(st.Text(0));
  }
  std::vector<BookedSearch> out;
  for (const auto& id : ids) {
    CANDOR_ASSIGN_OR_RETURN(BookedSearch s, GetLocked(id));
    out.push_back(std::move(s));
  }
  return out;
}

Status SearchBook::Purge(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto s = GetLocked(id);
  if (!s.ok()) return s.status().code() == Code::kNotFound ? OkStatus() : s.status();
  s->candidates.clear();
  s->reviews.clear();
  s->purged = true;
  if (s->summary.is_object()) s->summary["status"] = "purged";
  return PutLocked(*s);
}

}  // namespace candor
