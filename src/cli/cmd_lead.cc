// Copyright 2026 The Candor Authors.
//
// candor lead --as REQUESTER --search ID: the released lead of a 1:N search,
// for the investigator who requested it: the candidates confirmed by an
// examiner and a second, different qualified person (without a rejection),
// with the reviews and the investigative-lead label. Before that,
// FAILED_PRECONDITION (exit 5) saying what is missing; anyone but the
// requester: PERMISSION_DENIED (exit 4). Audited by governance.

#include <iostream>

#include "cli/command.h"
#include "cli/govern_flags.h"
#include "cli/lead_view.h"
#include "cli/subject_refs.h"

namespace candor::cli {
namespace {

struct Args {
  GovernFlags gov;
  std::string search;
};

Status Run(const Args& a, const GlobalOptions& global) {
  CANDOR_ASSIGN_OR_RETURN(auto gov, OpenGovernance(a.gov));
  CANDOR_ASSIGN_OR_RETURN(Principal op, Operator(*gov, a.gov));
  CANDOR_ASSIGN_OR_RETURN(Lead lead, gov->ReleaseLead(op, a.search));
  const SubjectRefs refs(a.gov.store);
  const nlohmann::json j = LeadJson(lead, refs.For(lead.gallery));
  if (global.json) {
    std::cout << j.dump(2) << std::endl;
  } else {
    PrintLead(j);
  }
  return OkStatus();
}

const bool kRegistered = RegisterCommand(
    {"lead", "The requester: a search's lead, once two qualified people confirmed it",
     [](CLI::App& sub, const GlobalOptions& global) -> RunFn {
       auto a = std::make_shared<Args>();
       AddGovernFlags(sub, &a->gov, true);
       sub.add_option("--search", a->search, "Search id (printed by `candor identify`)")
           ->required();
       return [a, &global] { return Run(*a, global); };
     }});

}  // namespace
}  // namespace candor::cli
