// Copyright 2026 The Candor Authors.
//
// candor report transparency --as AUDITOR --from DATE --to DATE
//                            [--json-out FILE] [--html FILE]
// The public transparency report for [from, to): counts of searches by legal
// basis, gallery, outcome and role, exigent searches and what became of them.
// No biometric data, no identities. Prints the JSON; writes the JSON and a
// self-contained HTML page (inline-SVG charts) where asked.
//
// `candor report-transparency` is kept as a hidden alias (the name before
// `candor report` could host subcommands).

#include <iostream>

#include "cli/command.h"
#include "cli/govern_flags.h"
#include "common/file_util.h"

namespace candor::cli {
namespace {

struct Args {
  GovernFlags gov;
  std::string from, to, json_out, html;
};

Status Run(const Args& a) {
  CANDOR_ASSIGN_OR_RETURN(int64_t from, ParseTime(a.from));
  CANDOR_ASSIGN_OR_RETURN(int64_t to, ParseTime(a.to));
  CANDOR_ASSIGN_OR_RETURN(auto gov, OpenGovernance(a.gov));
  CANDOR_ASSIGN_OR_RETURN(Principal op, Operator(*gov, a.gov));
  CANDOR_ASSIGN_OR_RETURN(TransparencyReport r, gov->Transparency(op, from, to));
  const std::string json = TransparencyToJson(r);
  if (!a.json_out.empty()) CANDOR_RETURN_IF_ERROR(WriteFileAtomic(a.json_out, json + "\n"));
  if (!a.html.empty()) CANDOR_RETURN_IF_ERROR(WriteFileAtomic(a.html, TransparencyToHtml(r)));
  std::cout << json << std::endl;
  return OkStatus();
}

RunFn SetUp(CLI::App& sub, bool hidden) {
  if (hidden) sub.group("");
  auto a = std::make_shared<Args>();
  AddGovernFlags(sub, &a->gov, true);
  sub.add_option("--from", a->from, "Start, inclusive (YYYY-MM-DD or ...THH:MM:SSZ)")
      ->required();
  sub.add_option("--to", a->to, "End, exclusive")->required();
  sub.add_option("--json-out", a->json_out, "Also write the JSON here");
  sub.add_option("--html", a->html, "Write the HTML page here");
  return [a] { return Run(*a); };
}

constexpr char kDescription[] =
    "Transparency report: searches by legal basis, gallery, outcome, role; exigent searches "
    "(JSON + HTML, no biometric data or identities)";
const bool kRegistered = RegisterCommand(
    {"report transparency", kDescription,
     [](CLI::App& sub, const GlobalOptions&) { return SetUp(sub, /*hidden=*/false); }});
const bool kRegisteredAlias = RegisterCommand(
    {"report-transparency", kDescription,
     [](CLI::App& sub, const GlobalOptions&) { return SetUp(sub, /*hidden=*/true); }});

}  // namespace
}  // namespace candor::cli
