// Copyright 2026 The Candor Authors.
//
// candor delete --gallery G --subject ID: deletes a subject and crypto-shreds
// its templates (its data key is destroyed; see docs/STORE.md).

#include <iostream>

#include "cli/command.h"
#include "cli/gallery_flags.h"

namespace candor::cli {
namespace {

struct Args {
  StoreFlags store;
  std::string gallery, subject;
};

Status Run(const Args& a, const GlobalOptions& global) {
  CANDOR_ASSIGN_OR_RETURN(auto store, OpenStore(a.store, false, false));
  CANDOR_RETURN_IF_ERROR(store->DeleteSubject(a.gallery, a.subject));
  if (global.json) {
    std::cout << nlohmann::json{{"gallery", a.gallery}, {"subject", a.subject}, {"deleted", true}}
                     .dump(2)
              << std::endl;
  } else {
    std::cout << "deleted subject " << a.subject << " from " << a.gallery
              << "; its templates are unrecoverable" << std::endl;
  }
  return OkStatus();
}

const bool kRegistered = RegisterCommand({
    "delete", "Delete a subject; its templates become unrecoverable (crypto-shredding)",
    [](CLI::App& sub, const GlobalOptions& global) -> RunFn {
      auto a = std::make_shared<Args>();
      sub.add_option("--gallery", a->gallery, "Gallery name")->required();
      sub.add_option("--subject", a->subject, "Subject id")->required();
      AddStoreFlags(sub, &a->store);
      return [a, &global] { return Run(*a, global); };
    }});

}  // namespace
}  // namespace candor::cli
