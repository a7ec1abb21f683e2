// Copyright 2026 The Candor Authors.
//
// Governance: retention. Purge(now) lapses exigent authorizations that were
// not backed in time and purges their searches, purges searches whose
// retention period is over unless an open case holds them, and removes
// expired credentials. Every purge is audited.

#include "candor/govern.h"
#include "common/sqlite.h"

namespace candor {

using sqlite::Stmt;
using sqlite::Transaction;

Status Governance::PurgeSearchLocked(const SearchRecord& s, const std::string& reason,
                                     int64_t now_ms) {
  AuditEntry e;
  e.actor = "candor";
  e.role = "system";
  e.action = "retention.purge";
  e.authorization_id = s.authorization_id;
  e.gallery = s.gallery;
  if (options_.purge_probe) {
    Status st = options_.purge_probe(s.id);
    if (!st.ok() && st.code() != Code::kNotFound) {
      e.outcome = "error";
      e.reason = "search " + s.id + ": probe deletion failed, will retry: " + st.ToString();
      CANDOR_RETURN_IF_ERROR(AuditOrFail(e));
      return st;
    }
  }
  Transaction tx(db_.get());
  CANDOR_RETURN_IF_ERROR(tx.Begin());
  CANDOR_ASSIGN_OR_RETURN(auto u, Stmt::Prepare(*db_,
                                                "UPDATE searches SET candidates='[]', purged_ms=?, "
                                                "purge_reason=? WHERE id=?"));
  u.Bind(1, now_ms).Bind(2, reason).Bind(3, s.id);
  CANDOR_RETURN_IF_ERROR(u.Run());
  // Reviews name subjects and carry notes: keep only the fact of the decision.
  CANDOR_ASSIGN_OR_RETURN(
      auto r, Stmt::Prepare(*db_,
                            "UPDATE reviews SET subject_ref='purged-' || rowid, notes='' "
                            "WHERE search_id=?"));
  r.Bind(1, s.id);
  CANDOR_RETURN_IF_ERROR(r.Run());
  e.outcome = "purged";
  e.candidates_returned = static_cast<int64_t>(s.candidates.size());
  e.reason = "search " + s.id + ": " + reason;
  CANDOR_RETURN_IF_ERROR(AuditOrFail(e));
  return tx.Commit();
}

StatusOr<PurgeSummary> Governance::Purge(int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  PurgeSummary sum;
  // 1. Exigent authorizations not backed by a judicial one within the window.
  std::vector<std::string> lapsed;
  {
    CANDOR_ASSIGN_OR_RETURN(
        auto s, Stmt::Prepare(*db_,
                              "SELECT id FROM authorizations WHERE basis='exigent' AND "
                              "status='active' AND backed_by='' AND created_ms + ? <= ?"));
    s.Bind(1, options_.policy.exigent_window_ms).Bind(2, now_ms);
    while (true) {
      CANDOR_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      lapsed.push_back(s.Text(0));
    }
  }
  const std::string exigent_reason =
      "exigent search not backed by a judicial authorization within " +
      std::to_string(options_.policy.exigent_window_ms / 3600000) + " h";
  for (const std::string& id : lapsed) {
    CANDOR_ASSIGN_OR_RETURN(
        auto u, Stmt::Prepare(*db_, "UPDATE authorizations SET status='lapsed' WHERE id=?"));
    u.Bind(1, id);
    CANDOR_RETURN_IF_ERROR(u.Run());
    AuditEntry e{0,  0,  "candor", "system", "authorization.lapse", id, "",
                 "", -1, "",       "lapsed", exigent_reason};
    CANDOR_RETURN_IF_ERROR(AuditOrFail(e));
    ++sum.authorizations_lapsed;
  }
  // Searches under lapsed exigent authorizations (also ones lapsed earlier whose
  // purge failed) are purged regardless of case holds.
  std::vector<std::pair<std::string, std::string>> due;  // id, reason
  {
    CANDOR_ASSIGN_OR_RETURN(auto s,
                            Stmt::Prepare(*db_,
                                          "SELECT s.id FROM searches s JOIN authorizations a ON "
                                          "a.id = s.authorization_id WHERE a.status='lapsed' AND "
                                          "s.purged_ms=0 AND s.outcome != 'refused'"));
    while (true) {
      CANDOR_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      due.emplace_back(s.Text(0), exigent_reason);
    }
  }
  const size_t exigent_due = due.size();
  // 2. Retention period over and no open case holding the search.
  {
    CANDOR_ASSIGN_OR_RETURN(
        auto s, Stmt::Prepare(*db_,
                              "SELECT id FROM searches WHERE purged_ms=0 AND "
                              "outcome != 'refused' AND retain_until_ms <= ? AND "
                              "case_id NOT IN (SELECT case_id FROM cases WHERE open=1)"));
    s.Bind(1, now_ms);
    while (true) {
      CANDOR_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      std::string id = s.Text(0);
      bool dup = false;
      for (const auto& d : due) dup = dup || d.first == id;
      if (!dup) due.emplace_back(std::move(id), "retention period over");
    }
  }
  Status first_error;
  for (size_t i = 0; i < due.size(); ++i) {
    CANDOR_ASSIGN_OR_RETURN(SearchRecord rec, LoadSearch(due[i].first));
    Status st = PurgeSearchLocked(rec, due[i].second, now_ms);
    if (!st.ok()) {
      if (first_error.ok()) first_error = st;
      continue;
    }
    if (i < exigent_due) {
      ++sum.exigent_searches_purged;
    } else {
      ++sum.searches_purged;
    }
  }
  // 3. Expired credentials.
  CANDOR_ASSIGN_OR_RETURN(auto t, Stmt::Prepare(*db_, "DELETE FROM tokens WHERE expires_ms <= ?"));
  t.Bind(1, now_ms);
  CANDOR_RETURN_IF_ERROR(t.Run());
  sum.sessions_removed = db_->Changes();
  if (!first_error.ok()) return first_error.WithContext("purge incomplete");
  return sum;
}

}  // namespace candor
