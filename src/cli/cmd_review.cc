// Copyright 2026 The Candor Authors.
//
// candor review list|confirm|reject: an examiner's or supervisor's review of
// a 1:N search's candidates (the two-person release of include/candor/govern.h).
//   list    --as REVIEWER --search ID      the search and its ranked candidates
//   confirm --as REVIEWER --search ID --subject REF --notes TEXT
//   reject  --as REVIEWER --search ID --subject REF --notes TEXT
// The requester may not review their own search; one review per person per
// candidate (a second review by the same person: ALREADY_EXISTS, exit 5). A
// lead is released (`candor lead`) once a candidate has an examiner's
// confirmation and a second, different qualified person's, and no rejection.
// Every view and review, refused ones included, is audited by governance.

#include <iostream>

#include "cli/cli_search.h"
#include "cli/command.h"
#include "cli/govern_flags.h"
#include "cli/lead_view.h"
#include "cli/subject_refs.h"
#include "search_desk/review.h"

namespace candor::cli {
namespace {

struct Args {
  GovernFlags gov;
  std::string search, subject, notes;
  CLI::App *list = nullptr, *confirm = nullptr, *reject = nullptr;
};

Status Run(const Args& a, const GlobalOptions& global) {
  CANDOR_ASSIGN_OR_RETURN(auto gov, OpenGovernance(a.gov));
  CANDOR_ASSIGN_OR_RETURN(Principal op, Operator(*gov, a.gov));
  const SubjectRefs refs(a.gov.store);
  if (a.list->parsed()) {
    CANDOR_ASSIGN_OR_RETURN(SearchRecord rec, gov->GetSearchForReview(op, a.search));
    const nlohmann::json j = ReviewRecordJson(rec, refs.For(rec.gallery));
    if (global.json) {
      std::cout << j.dump(2) << std::endl;
    } else {
      PrintReviewRecord(j);
    }
    return OkStatus();
  }
  const bool confirm = a.confirm->parsed();
  // As the server does (search_desk/review.h): governance gets the
  // candidate's keyed reference and, instead of the notes, a placeholder; the
  // notes go to the search's sealed record. So the review needs the store key.
  CANDOR_ASSIGN_OR_RETURN(std::unique_ptr<SearchBook> book, OpenSearchBook(StoreFlags{a.gov.store, a.gov.key_file, ""}));
  ReviewRequest request{a.search, a.subject,
                        confirm ? ReviewDecision::kConfirm : ReviewDecision::kReject, a.notes,
                        gov->Now()};
  CANDOR_ASSIGN_OR_RETURN(RecordedReview recorded,
                          RecordReview(*gov, book.get(), op, request,
                                       [&refs](const std::string& gallery, const std::string& subject) {
                                         return refs.RefOf(gallery, subject);
                                       }));
  // Governance holds the decision (audited); say so when the sealed record
  // (the notes, and what calibration reads as a reviewed search) missed it,
  // as the server logs it (NOT_FOUND: a search from before the record).
  if (!recorded.kept.ok() && recorded.kept.code() != Code::kNotFound) {
    std::cerr << "warning: the review is recorded and audited, but the search's sealed record was not "
                 "updated ("
              << recorded.kept.ToString() << "): its notes are not kept there" << std::endl;
  }
  const char* decision = confirm ? "confirm" : "reject";
  if (global.json) {
    std::cout << nlohmann::json{{"search_id", a.search},
                                {"subject_id", a.subject},
                                {"decision", decision},
                                {"reviewer", op.username},
                                {"reviewer_role", std::string(RoleName(op.role))}}
                     .dump(2)
              << std::endl;
  } else {
    std::cout << op.username << " (" << RoleName(op.role) << "): " << decision << " candidate "
              << a.subject << " of search " << a.search << " (audited)" << std::endl;
  }
  return OkStatus();
}

const bool kRegistered = RegisterCommand(
    {"review", "Examiners and supervisors: list a search's candidates; confirm or reject one",
     [](CLI::App& sub, const GlobalOptions& global) -> RunFn {
       auto a = std::make_shared<Args>();
       sub.require_subcommand(1);
       auto add = [&](const char* name, const char* help) {
         CLI::App* s = sub.add_subcommand(name, help);
         AddGovernFlags(*s, &a->gov, true);
         s->add_option("--search", a->search, "Search id (printed by `candor identify`)")
             ->required();
         return s;
       };
       a->list = add("list", "Show the search and its candidates for review (audited)");
       a->confirm = add("confirm", "Confirm a candidate");
       a->reject = add("reject", "Reject a candidate");
       for (CLI::App* s : {a->confirm, a->reject}) {
         s->add_option("--subject", a->subject,
                       "The candidate's subject id (or its reference sref:..., as listed)")
             ->required();
         s->add_option("--notes", a->notes, "The basis of the decision (up to 4096 bytes)")
             ->required();
       }
       return [a, &global] { return Run(*a, global); };
     }});

}  // namespace
}  // namespace candor::cli
