// Copyright 2026 The Candor Authors.
//
// candor authorization create|approve|revoke|back|list|gallery-policy
//   create  --as USER --basis B --reference R --authority A --case C --purpose P
//           --gallery G [--gallery ...] --expires DATE --max-searches N [--user U ...]
//           (usable only by its creator and the --user accounts)
//   approve --as SUPERVISOR --id ID          (not the creator; needs the store key)
//   revoke  --as SUPERVISOR|ADMIN --id ID --reason TEXT
//   back    --as SUPERVISOR --id EXIGENT_ID --judicial ID   (within the exigent window)
//   list    --as USER
//   gallery-policy --as ADMIN --gallery G [--basis B ...] [--retention CLASS]
// The operator proves who they are (govern_flags.h). Every action, refused
// ones included, is audited.

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/govern_flags.h"

namespace candor::cli {
namespace {

struct Args {
  GovernFlags gov;
  std::string basis, reference, authority, case_id, purpose, expires, id, judicial, reason;
  std::string retention = "standard";
  std::vector<std::string> galleries, bases, users;
  int64_t max_searches = 1;
  CLI::App *create, *approve, *revoke, *back, *list, *policy;
};

nlohmann::json AuthJson(const Authorization& a) {
  return {{"id", a.id},
          {"basis", std::string(BasisName(a.spec.basis))},
          {"reference", a.spec.reference},
          {"issuing_authority", a.spec.issuing_authority},
          {"case_id", a.spec.case_id},
          {"purpose", a.spec.purpose},
          {"galleries", a.spec.galleries},
          {"expires_ms", a.spec.expires_ms},
          {"max_searches", a.spec.max_searches},
          {"searches_used", a.searches_used},
          {"status", std::string(AuthorizationStatusName(a.status))},
          {"created_by", a.created_by},
          {"approved_by", a.approved_by},
          {"backed_by", a.backed_by},
          {"users", a.spec.users}};
}

Status Run(const Args& a, const GlobalOptions& global) {
  CANDOR_ASSIGN_OR_RETURN(auto gov, OpenGovernance(a.gov));
  CANDOR_ASSIGN_OR_RETURN(Principal op, Operator(*gov, a.gov));
  if (a.create->parsed()) {
    AuthorizationSpec spec;
    CANDOR_ASSIGN_OR_RETURN(spec.basis, ParseBasis(a.basis));
    spec.reference = a.reference;
    spec.issuing_authority = a.authority;
    spec.case_id = a.case_id;
    spec.purpose = a.purpose;
    spec.galleries = a.galleries;
    CANDOR_ASSIGN_OR_RETURN(spec.expires_ms, ParseTime(a.expires));
    spec.max_searches = a.max_searches;
    spec.users = a.users;
    CANDOR_ASSIGN_OR_RETURN(Authorization auth, gov->CreateAuthorization(op, spec));
    std::cout << (global.json
                      ? AuthJson(auth).dump(2)
                      : auth.id + " (" + std::string(AuthorizationStatusName(auth.status)) + ")")
              << std::endl;
  } else if (a.approve->parsed()) {
    CANDOR_RETURN_IF_ERROR(RequireStoreKey(*gov, op, a.gov, "authorization.approve"));
    CANDOR_RETURN_IF_ERROR(gov->ApproveAuthorization(op, a.id));
    std::cout << "approved " << a.id << std::endl;
  } else if (a.revoke->parsed()) {
    CANDOR_RETURN_IF_ERROR(gov->RevokeAuthorization(op, a.id, a.reason));
    std::cout << "revoked " << a.id << std::endl;
  } else if (a.back->parsed()) {
    CANDOR_RETURN_IF_ERROR(gov->BackExigent(op, a.id, a.judicial));
    std::cout << a.id << " backed by " << a.judicial << std::endl;
  } else if (a.list->parsed()) {
    CANDOR_ASSIGN_OR_RETURN(std::vector<Authorization> all, gov->ListAuthorizations(op));
    nlohmann::json j = nlohmann::json::array();
    for (const Authorization& x : all) j.push_back(AuthJson(x));
    std::cout << j.dump(2) << std::endl;
  } else if (a.policy->parsed()) {
    GalleryPolicy p;
    p.name = a.galleries.empty() ? std::string() : a.galleries.front();
    p.retention_class = a.retention;
    for (const std::string& b : a.bases) {
      CANDOR_ASSIGN_OR_RETURN(LegalBasis basis, ParseBasis(b));
      p.allowed_bases.push_back(basis);
    }
    CANDOR_RETURN_IF_ERROR(gov->SetGalleryPolicy(op, p));
    std::cout << "gallery '" << p.name << "' policy set" << std::endl;
  }
  return OkStatus();
}

const bool kRegistered = RegisterCommand(
    {"authorization",
     "Authorizations for searches: create, approve, revoke, back an exigent one, "
     "list; gallery search policies",
     [](CLI::App& sub, const GlobalOptions& global) -> RunFn {
       auto a = std::make_shared<Args>();
       sub.require_subcommand(1);
       auto add = [&](const char* name, const char* help) {
         CLI::App* s = sub.add_subcommand(name, help);
         AddGovernFlags(*s, &a->gov, true);
         return s;
       };
       a->create = add("create", "Record an authorization (pending until a supervisor approves)");
       a->create
           ->add_option("--basis", a->basis, "warrant, court_order, subpoena, consent, exigent")
           ->required();
       a->create->add_option("--reference", a->reference, "Warrant/order/consent number")
           ->required();
       a->create->add_option("--authority", a->authority, "Issuing authority")->required();
       a->create->add_option("--case", a->case_id, "Case id")->required();
       a->create->add_option("--purpose", a->purpose, "Offence or purpose")->required();
       a->create->add_option("--gallery", a->galleries, "Gallery in scope (repeat)")->required();
       a->create->add_option("--expires", a->expires, "YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ")
           ->required();
       a->create->add_option("--max-searches", a->max_searches, "Maximum number of searches")
           ->required();
       a->create->add_option("--user", a->users,
                             "Another investigator or supervisor who may search under it "
                             "(repeat; default: its creator only)");
       a->approve = add("approve", "Approve (supervisor, not the creator; needs the store key)");
       a->approve->add_option("--id", a->id)->required();
       a->revoke = add("revoke", "Revoke");
       a->revoke->add_option("--id", a->id)->required();
       a->revoke->add_option("--reason", a->reason)->required();
       a->back = add("back", "Back an exigent authorization with a warrant or court order");
       a->back->add_option("--id", a->id, "The exigent authorization")->required();
       a->back->add_option("--judicial", a->judicial, "The warrant/court order authorization")
           ->required();
       a->list = add("list", "List authorizations");
       a->policy =
           add("gallery-policy", "Set which legal bases a gallery accepts and its retention class");
       a->policy->add_option("--gallery", a->galleries, "Gallery name")->required()->expected(1);
       a->policy->add_option("--basis", a->bases, "Accepted basis (repeat; none = any)");
       a->policy->add_option("--retention", a->retention, "short, standard or extended");
       return [a, &global] { return Run(*a, global); };
     }});

}  // namespace
}  // namespace candor::cli
