// Copyright 2026 The Candor Authors.
//
// candor account bootstrap|create|training|disable|enable|token|list
//   bootstrap --username U                  the first admin (store has no accounts);
//                                           creates the audit key pair if missing
//   create   --as ADMIN --username U --role R --training-expires DATE
//   training --as ADMIN --username U --expires DATE   set certification expiry
//   disable / enable --as ADMIN --username U
//   token    --as ADMIN --username U        an API token for a machine account
//   list     --as ADMIN|AUDITOR
// Passwords are read from the environment variable named by --password-env
// (default CANDOR_PASSWORD), never from the command line; an empty password
// makes a token-only machine account. Every action is audited.

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/govern_flags.h"

namespace candor::cli {
namespace {

struct Args {
  GovernFlags gov;
  std::string username, role, expires, password_env = "CANDOR_PASSWORD";
  CLI::App *bootstrap, *create, *training, *disable, *enable, *token, *list;
};

std::string Password(const Args& a) { return EnvOr("", a.password_env.c_str()); }

nlohmann::json AccountJson(const Account& a) {
  return {{"username", a.username},
          {"role", std::string(RoleName(a.role))},
          {"training_expires_ms", a.training_expires_ms},
          {"disabled", a.disabled}};
}

Status Run(const Args& a, const GlobalOptions& global) {
  const bool bootstrap = a.bootstrap->parsed();
  CANDOR_ASSIGN_OR_RETURN(auto gov, OpenGovernance(a.gov, /*create_key=*/bootstrap));
  int64_t expires = 0;
  if (!a.expires.empty()) {
    CANDOR_ASSIGN_OR_RETURN(expires, ParseTime(a.expires));
  }
  if (bootstrap) {
    if (expires == 0) expires = gov->Now() + 365 * kMsPerDay;
    CANDOR_ASSIGN_OR_RETURN(Account acc, gov->BootstrapAdmin(a.username, Password(a), expires));
    std::cout << (global.json ? AccountJson(acc).dump(2) : "created admin '" + acc.username + "'")
              << std::endl;
    return OkStatus();
  }
  CANDOR_ASSIGN_OR_RETURN(Principal op, Operator(*gov, a.gov));
  if (a.create->parsed()) {
    CANDOR_ASSIGN_OR_RETURN(Role role, ParseRole(a.role));
    CANDOR_ASSIGN_OR_RETURN(Account acc,
                            gov->CreateAccount(op, a.username, role, Password(a), expires));
    std::cout << (global.json
                      ? AccountJson(acc).dump(2)
                      : "created " + std::string(RoleName(role)) + " '" + acc.username + "'")
              << std::endl;
  } else if (a.training->parsed()) {
    CANDOR_RETURN_IF_ERROR(gov->SetTrainingExpiry(op, a.username, expires));
    std::cout << "training of '" << a.username << "' valid until " << a.expires << std::endl;
  } else if (a.disable->parsed() || a.enable->parsed()) {
    CANDOR_RETURN_IF_ERROR(gov->SetDisabled(op, a.username, a.disable->parsed()));
    std::cout << (a.disable->parsed() ? "disabled '" : "enabled '") << a.username << "'"
              << std::endl;
  } else if (a.token->parsed()) {
    CANDOR_ASSIGN_OR_RETURN(Session s, gov->CreateApiToken(op, a.username));
    if (global.json) {
      std::cout << nlohmann::json{{"token", s.token}, {"expires_ms", s.expires_ms}}.dump(2)
                << std::endl;
    } else {
      std::cout << s.token << "\n(shown once; only its Argon2id hash is stored)" << std::endl;
    }
  } else if (a.list->parsed()) {
    CANDOR_ASSIGN_OR_RETURN(std::vector<Account> all, gov->ListAccounts(op));
    nlohmann::json j = nlohmann::json::array();
    for (const Account& acc : all) j.push_back(AccountJson(acc));
    if (global.json) {
      std::cout << j.dump(2) << std::endl;
    } else {
      for (const Account& acc : all) {
        std::cout << acc.username << "\t" << RoleName(acc.role) << "\ttraining until "
                  << acc.training_expires_ms << (acc.disabled ? "\tDISABLED" : "") << "\n";
      }
    }
  }
  return OkStatus();
}

const bool kRegistered = RegisterCommand(
    {"account",
     "Accounts and roles: bootstrap the first admin, create accounts, training expiry, "
     "API tokens",
     [](CLI::App& sub, const GlobalOptions& global) -> RunFn {
       auto a = std::make_shared<Args>();
       sub.require_subcommand(1);
       auto add = [&](const char* name, const char* help, bool with_as) {
         CLI::App* s = sub.add_subcommand(name, help);
         AddGovernFlags(*s, &a->gov, with_as);
         s->add_option("--username", a->username, "Account name")->required();
         s->add_option("--password-env", a->password_env,
                       "Environment variable holding the password (default CANDOR_PASSWORD)");
         return s;
       };
       a->bootstrap = add("bootstrap", "Create the first admin account (and the audit key)", false);
       a->bootstrap->add_option("--training-expires", a->expires,
                                "Certification expiry (YYYY-MM-DD)");
       a->create = add("create", "Create an account (admin)", true);
       a->create
           ->add_option("--role", a->role,
                        "admin, enroller, investigator, examiner, supervisor, auditor")
           ->required();
       a->create->add_option("--training-expires", a->expires, "Certification expiry (YYYY-MM-DD)")
           ->required();
       a->training =
           add("training", "Set an account's training/certification expiry (admin)", true);
       a->training->add_option("--expires", a->expires, "YYYY-MM-DD")->required();
       a->disable = add("disable", "Disable an account (admin)", true);
       a->enable = add("enable", "Re-enable an account (admin)", true);
       a->token = add("token", "Issue an API token for a machine account (admin)", true);
       a->list = sub.add_subcommand("list", "List accounts (admin, auditor)");
       AddGovernFlags(*a->list, &a->gov, true);
       return [a, &global] { return Run(*a, global); };
     }});

}  // namespace
}  // namespace candor::cli
