// Copyright 2026 The Candor Authors.
//
// candor delete --gallery G --subject ID --as ADMIN: deletes a subject and
// crypto-shreds its templates (its data key is destroyed; see docs/STORE.md).
// As the server's delete: admin only (--as / $CANDOR_USER); one audit entry
// "gallery.delete_subject" per subject (without the subject id, as the
// server's), refusals (no operator, wrong role, unknown subject) included.

#include <iostream>

#include "cli/command.h"
#include "cli/gallery_flags.h"
#include "cli/operator_gate.h"

namespace candor::cli {
namespace {

struct Args {
  StoreFlags store;
  GovernFlags govern;  // --as, --audit-key
  std::string gallery, subject;
};

Status Run(const Args& a, const GlobalOptions& global) {
  const char* action = "gallery.delete_subject";
  CANDOR_ASSIGN_OR_RETURN(
      OperatorGate gate, OpenOperatorGateFor(a.govern, a.store, {Role::kAdmin}, action, a.gallery));
  const Status deleted = [&]() -> Status {
    CANDOR_ASSIGN_OR_RETURN(auto store, OpenStore(a.store, false, false));
    return store->DeleteSubject(a.gallery, a.subject);
  }();
  // As the server's entry: no subject id (auditors see actions, not identities).
  CANDOR_RETURN_IF_ERROR(
      AuditAction(gate, action, a.gallery, deleted, deleted.ok() ? "subject crypto-shredded" : ""));
  if (global.json) {
    std::cout
        << nlohmann::json{{"gallery", a.gallery}, {"subject", a.subject}, {"deleted", true}}.dump(2)
        << std::endl;
  } else {
    std::cout << "deleted subject " << a.subject << " from " << a.gallery
              << "; its templates are unrecoverable" << std::endl;
  }
  return OkStatus();
}

const bool kRegistered = RegisterCommand(
    {"delete", "Delete a subject; its templates become unrecoverable (crypto-shredding)",
     [](CLI::App& sub, const GlobalOptions& global) -> RunFn {
       auto a = std::make_shared<Args>();
       sub.add_option("--gallery", a->gallery, "Gallery name")->required();
       sub.add_option("--subject", a->subject, "Subject id")->required();
       AddStoreFlags(sub, &a->store);
       AddOperatorFlags(sub, &a->govern);
       return [a, &global] { return Run(*a, global); };
     }});

}  // namespace
}  // namespace candor::cli
