// Copyright 2026 The Candor Authors.
//
// Governance::Transparency (counts from govern.db) and the JSON / HTML
// renderings of a TransparencyReport.

#include "candor/transparency.h"

#include <ctime>
#include <nlohmann/json.hpp>
#include <sstream>

#include "candor/govern.h"
#include "common/sqlite.h"

namespace candor {

using sqlite::Stmt;

namespace {

std::string Iso(int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Groups a refusal reason into a kind that carries no names or references.
std::string RefusalKind(const std::string& r) {
  auto has = [&](const char* s) { return r.find(s) != std::string::npos; };
  if (has("training")) return "training or certification expired";
  if (has("disabled")) return "account disabled";
  if (has("may not request searches") || has("supervisor only")) return "role not permitted";
  if (has("candidate list size")) return "candidate list size outside policy";
  if (has("no governance policy")) return "gallery without governance policy";
  if (has("requires an authorization")) return "no authorization cited";
  if (has("not found")) return "authorization not found";
  if (has("not been approved")) return "authorization not approved";
  if (has("revoked")) return "authorization revoked";
  if (has("lapsed") || has("exigent window")) return "exigent authorization not backed in time";
  if (has("expired on")) return "authorization expired";
  if (has("used all")) return "authorization search limit reached";
  if (has("not in the scope")) return "gallery outside authorization scope";
  if (has("accepts only")) return "legal basis not accepted by gallery";
  return "other";
}

std::string Escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '<':
        o += "&lt;";
        break;
      case '>':
        o += "&gt;";
        break;
      case '&':
        o += "&amp;";
        break;
      case '"':
        o += "&quot;";
        break;
      case '\'':
        o += "&#39;";
        break;
      default:
        o += c;
    }
  }
  return o;
}

std::string BarChart(const std::string& title, const std::map<std::string, int64_t>& data) {
  std::ostringstream o;
  o << "<section><h2>" << Escape(title) << "</h2>";
  if (data.empty()) {
    o << "<p class=\"none\">None in this period.</p></section>\n";
    return o.str();
  }
  int64_t max = 1;
  for (const auto& [k, v] : data) max = std::max(max, v);
  const int row = 26, label_w = 260, bar_w = 420;
  const int h = row * static_cast<int>(data.size()) + 8;
  o << "<svg role=\"img\" aria-label=\"" << Escape(title) << "\" width=\"" << label_w + bar_w + 80
    << "\" height=\"" << h << "\" xmlns=\"http://www.w3.org/2000/svg\">";
  int y = 4;
  for (const auto& [k, v] : data) {
    const int w = static_cast<int>(static_cast<double>(v) / static_cast<double>(max) * bar_w);
    o << "<text x=\"" << label_w - 8 << "\" y=\"" << y + 17
      << "\" text-anchor=\"end\" font-size=\"13\">" << Escape(k) << "</text>"
      << "<rect x=\"" << label_w << "\" y=\"" << y + 3 << "\" width=\"" << std::max(w, 1)
      << "\" height=\"18\" fill=\"#3b6ea5\"><title>" << Escape(k) << ": " << v
      << "</title></rect><text x=\"" << label_w + std::max(w, 1) + 6 << "\" y=\"" << y + 17
      << "\" font-size=\"13\">" << v << "</text>";
    y += row;
  }
  o << "</svg></section>\n";
  return o.str();
}

}  // namespace

std::string TransparencyToJson(const TransparencyReport& r) {
  nlohmann::json j = {
      {"period", {{"from", Iso(r.from_ms)}, {"to", Iso(r.to_ms)}}},
      {"generated", Iso(r.generated_ms)},
      {"searches", r.searches},
      {"refused", r.refused},
      {"by_legal_basis", r.by_basis},
      {"by_gallery", r.by_gallery},
      {"by_outcome", r.by_outcome},
      {"by_role", r.by_role},
      {"by_kind", r.by_kind},
      {"refusals_by_reason", r.refusals_by_reason_kind},
      {"by_threshold_calibration", r.by_threshold_calibration},
      {"threshold_sources", r.threshold_sources},
      {"exigent",
       {{"searches", r.exigent_searches},
        {"later_authorized", r.exigent_later_authorized},
        {"purged", r.exigent_purged},
        {"pending", r.exigent_pending}}},
      {"searches_purged_by_retention", r.searches_purged_by_retention},
      {"leads_released", r.leads_released},
      {"reviews", {{"confirm", r.reviews_confirm}, {"reject", r.reviews_reject}}},
      {"note",
       "Counts only: no biometric data and no subject identities. Every result is an "
       "investigative lead, not a positive identification."}};
  return j.dump(2);
}

std::string TransparencyToHtml(const TransparencyReport& r) {
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    << "<title>Candor transparency report " << Iso(r.from_ms) << " to " << Iso(r.to_ms)
    << "</title><style>body{font-family:sans-serif;max-width:60em;margin:2em auto;color:#222}"
       "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:"
       "left}.none{color:#777}</style></head><body>\n"
    << "<h1>Candor transparency report</h1>\n<p>Period " << Iso(r.from_ms) << " (inclusive) to "
    << Iso(r.to_ms) << " (exclusive); generated " << Iso(r.generated_ms)
    << ". Counts only: no biometric data and no subject identities. Every result is an "
       "investigative lead, not a positive identification.</p>\n"
    << "<table><tr><th>Search requests</th><td>" << r.searches << "</td></tr>"
    << "<tr><th>Refused</th><td>" << r.refused << "</td></tr>"
    << "<tr><th>Exigent searches</th><td>" << r.exigent_searches << "</td></tr>"
    << "<tr><th>&nbsp;later backed by a judicial authorization</th><td>"
    << r.exigent_later_authorized << "</td></tr>"
    << "<tr><th>&nbsp;purged for lack of backing</th><td>" << r.exigent_purged << "</td></tr>"
    << "<tr><th>&nbsp;within the window, not yet backed</th><td>" << r.exigent_pending
    << "</td></tr><tr><th>Searches purged at end of retention</th><td>"
    << r.searches_purged_by_retention << "</td></tr><tr><th>Leads released after two-person "
    << "review</th><td>" << r.leads_released << "</td></tr><tr><th>Examiner reviews: confirm / "
    << "reject</th><td>" << r.reviews_confirm << " / " << r.reviews_reject << "</td></tr></table>\n"
    << BarChart("Searches by legal basis", r.by_basis)
    << BarChart("Searches by gallery", r.by_gallery)
    << BarChart("Searches by outcome", r.by_outcome)
    << BarChart("Search requests by requester role", r.by_role)
    << BarChart("Search requests by kind (identify 1:N, verify 1:1, duplicate check)", r.by_kind)
    << BarChart("Refusals by reason", r.refusals_by_reason_kind)
    << BarChart("Searches by where their threshold came from (gallery: its own calibration; "
                "model: the model's, measured on other photos; fixed: none)",
                r.by_threshold_calibration);
  if (!r.threshold_sources.empty()) {
    o << "<section><h2>Where each gallery's threshold comes from now</h2><table>";
    for (const auto& [gallery, source] : r.threshold_sources) {
      o << "<tr><th>" << Escape(gallery) << "</th><td>" << Escape(source) << "</td></tr>";
    }
    o << "</table></section>\n";
  }
  o << "</body></html>\n";
  return o.str();
}

StatusOr<TransparencyReport> Governance::Transparency(const Principal& caller, int64_t from_ms,
                                                      int64_t to_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  CANDOR_ASSIGN_OR_RETURN(Principal who, LoadPrincipal(caller.username));
  CANDOR_RETURN_IF_ERROR(
      RequireRole(who, {Role::kAuditor, Role::kSupervisor, Role::kAdmin}, "report.transparency"));
  if (to_ms <= from_ms) return InvalidArgumentError("report period: --to must be after --from");
  TransparencyReport r;
  r.from_ms = from_ms;
  r.to_ms = to_ms;
  r.generated_ms = options_.clock();
  CANDOR_ASSIGN_OR_RETURN(
      auto s, Stmt::Prepare(*db_,
                            "SELECT s.requester_role, s.basis, s.gallery, s.outcome, "
                            "s.refusal, s.released_ms, s.purged_ms, s.purge_reason, "
                            "COALESCE(a.backed_by, ''), s.kind FROM searches s LEFT JOIN "
                            "authorizations a ON a.id = s.authorization_id "
                            "WHERE s.created_ms >= ? AND s.created_ms < ?"));
  s.Bind(1, from_ms).Bind(2, to_ms);
  while (true) {
    CANDOR_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    ++r.searches;
    ++r.by_role[s.Text(0)];
    ++r.by_kind[s.Text(9)];
    const std::string outcome = s.Text(3);
    if (outcome == "refused") {
      ++r.refused;
      ++r.refusals_by_reason_kind[RefusalKind(s.Text(4))];
      continue;
    }
    const std::string basis = s.Text(1).empty() ? "none" : s.Text(1);
    ++r.by_basis[basis];
    ++r.by_gallery[s.Text(2)];
    const bool released = s.Int(5) != 0;
    ++r.by_outcome[released ? "confirmed_lead" : outcome];
    if (released) ++r.leads_released;
    const bool purged = s.Int(6) != 0;
    const bool exigent_purge = purged && s.Text(7).rfind("exigent", 0) == 0;
    if (purged && !exigent_purge) ++r.searches_purged_by_retention;
    if (basis == "exigent") {
      ++r.exigent_searches;
      if (!s.Text(8).empty()) {
        ++r.exigent_later_authorized;
      } else if (exigent_purge) {
        ++r.exigent_purged;
      } else {
        ++r.exigent_pending;
      }
    }
  }
  CANDOR_ASSIGN_OR_RETURN(
      auto v, Stmt::Prepare(*db_,
                            "SELECT v.decision, COUNT(*) FROM reviews v JOIN searches s "
                            "ON s.id = v.search_id WHERE s.created_ms >= ? AND "
                            "s.created_ms < ? GROUP BY v.decision"));
  v.Bind(1, from_ms).Bind(2, to_ms);
  while (true) {
    CANDOR_ASSIGN_OR_RETURN(bool row, v.Step());
    if (!row) break;
    (v.Text(0) == "confirm" ? r.reviews_confirm : r.reviews_reject) = v.Int(1);
  }
  AuditEntry e{0,
               0,
               who.username,
               std::string(RoleName(who.role)),
               "report.transparency",
               "",
               "",
               "",
               -1,
               "allow",
               "ok",
               Iso(from_ms) + " to " + Iso(to_ms)};
  CANDOR_RETURN_IF_ERROR(AuditOrFail(e));
  return r;
}

}  // namespace candor
