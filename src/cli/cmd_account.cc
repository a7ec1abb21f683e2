// Copyright 2026 The Candor Authors.
//
// candor account bootstrap|create|training|disable|enable|token|password|list
//   bootstrap --username U [--key-file F]   the first admin (store has no accounts);
//                                           creates the audit key pair if missing and,
//                                           with a store key, the store bound to it
//   create   --as ADMIN --username U --role R --training-expires DATE   (+ store key)
//   training --as ADMIN --username U --expires DATE   set certification expiry
//   disable / enable --as ADMIN --username U        (disabling revokes its tokens)
//   token    --as ADMIN --username U        an API token for a machine account (+ store key)
//   password --as USER                      change one's own password (revokes its tokens)
//   list     --as ADMIN|AUDITOR
// The operator proves who they are (govern_flags.h: $CANDOR_TOKEN, or the
// account's password from $CANDOR_PASSWORD or a prompt); creating accounts and
// tokens also needs the store key. Passwords are never taken from the command
// line: the bootstrap admin's from the variable named by --password-env
// (default CANDOR_PASSWORD), a new account's or a new password from the one
// named by --new-password-env (default CANDOR_NEW_PASSWORD), else a prompt on
// a terminal; an empty new password makes a token-only machine account.
// Every action, refused ones included, is audited.

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/govern_flags.h"

namespace candor::cli {
namespace {

struct Args {
  GovernFlags gov;
  std::string username, role, expires, password_env = "CANDOR_PASSWORD",
                                       new_password_env = "CANDOR_NEW_PASSWORD";
  CLI::App *bootstrap, *create, *training, *disable, *enable, *token, *password, *list;
};

// A password from the environment variable `env`, else typed twice on a terminal.
StatusOr<std::string> NewPassword(const std::string& env, const std::string& whose) {
  std::string pw = EnvOr("", env.c_str());
  if (!pw.empty() || !::isatty(STDIN_FILENO)) return pw;
  pw = PromptSecret("new password for " + whose + ": ");
  if (PromptSecret("again: ") != pw) return InvalidArgumentError("the passwords differ");
  return pw;
}

nlohmann::json AccountJson(const Account& a) {
  return {{"username", a.username},
          {"role", std::string(RoleName(a.role))},
          {"training_expires_ms", a.training_expires_ms},
          {"disabled", a.disabled}};
}

// Bootstrap with a store key: the store is created (or opened) with it, so
// that later steps needing the key have something to check it against.
Status BindStoreKey(const GovernFlags& f) {
  if (f.key_file.empty() && EnvOr("", "CANDOR_KEY_FILE").empty() &&
      EnvOr("", "CANDOR_KEY").empty()) {
    return OkStatus();
  }
  CANDOR_ASSIGN_OR_RETURN(std::filesystem::path dir, StoreDir(f));
  CANDOR_ASSIGN_OR_RETURN(StoreKey key, LoadStoreKey(f.key_file));
  StoreOptions o;
  o.master_key = key;
  o.create_if_missing = true;
  auto store = Store::Open(dir.string(), o);
  std::fill(o.master_key.begin(), o.master_key.end(), 0);
  std::fill(key.begin(), key.end(), 0);
  return store.status();
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
    std::string pw = EnvOr("", a.password_env.c_str());
    if (pw.empty()) {
      CANDOR_ASSIGN_OR_RETURN(pw, NewPassword(a.new_password_env, a.username));
    }
    CANDOR_RETURN_IF_ERROR(BindStoreKey(a.gov));
    CANDOR_ASSIGN_OR_RETURN(Account acc, gov->BootstrapAdmin(a.username, pw, expires));
    std::cout << (global.json ? AccountJson(acc).dump(2) : "created admin '" + acc.username + "'")
              << std::endl;
    return OkStatus();
  }
  if (a.password->parsed()) {
    const std::string who = EnvOr(a.gov.as, "CANDOR_USER");
    if (who.empty()) return UnauthenticatedError("no operator: pass --as USER or set CANDOR_USER");
    const std::string current = OperatorPassword(who);
    CANDOR_ASSIGN_OR_RETURN(std::string replacement, NewPassword(a.new_password_env, who));
    CANDOR_RETURN_IF_ERROR(gov->ChangePassword(who, current, replacement));
    std::cout << (global.json ? nlohmann::json{{"username", who}, {"password_changed", true}}.dump(2)
                              : "password of '" + who + "' changed; its tokens are revoked")
              << std::endl;
    return OkStatus();
  }
  CANDOR_ASSIGN_OR_RETURN(Principal op, Operator(*gov, a.gov));
  if (a.create->parsed()) {
    CANDOR_RETURN_IF_ERROR(RequireStoreKey(*gov, op, a.gov, "account.create"));
    CANDOR_ASSIGN_OR_RETURN(Role role, ParseRole(a.role));
    CANDOR_ASSIGN_OR_RETURN(std::string pw, NewPassword(a.new_password_env, a.username));
    CANDOR_ASSIGN_OR_RETURN(Account acc, gov->CreateAccount(op, a.username, role, pw, expires));
    std::cout << (global.json ? AccountJson(acc).dump(2)
                              : "created " + std::string(RoleName(role)) + " '" + acc.username +
                                    "'" + (pw.empty() ? " (token-only machine account)" : ""))
              << std::endl;
  } else if (a.training->parsed()) {
    CANDOR_RETURN_IF_ERROR(gov->SetTrainingExpiry(op, a.username, expires));
    std::cout << "training of '" << a.username << "' valid until " << a.expires << std::endl;
  } else if (a.disable->parsed() || a.enable->parsed()) {
    CANDOR_RETURN_IF_ERROR(gov->SetDisabled(op, a.username, a.disable->parsed()));
    std::cout << (a.disable->parsed() ? "disabled '" : "enabled '") << a.username << "'"
              << std::endl;
  } else if (a.token->parsed()) {
    CANDOR_RETURN_IF_ERROR(RequireStoreKey(*gov, op, a.gov, "auth.api_token"));
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
     "API tokens, password changes",
     [](CLI::App& sub, const GlobalOptions& global) -> RunFn {
       auto a = std::make_shared<Args>();
       sub.require_subcommand(1);
       auto add = [&](const char* name, const char* help, bool with_as) {
         CLI::App* s = sub.add_subcommand(name, help);
         AddGovernFlags(*s, &a->gov, with_as);
         return s;
       };
       auto named = [&](CLI::App* s) {
         s->add_option("--username", a->username, "Account name")->required();
         return s;
       };
       auto new_password = [&](CLI::App* s) {
         s->add_option("--new-password-env", a->new_password_env,
                       "Environment variable holding the new password (default "
                       "CANDOR_NEW_PASSWORD; else a prompt on a terminal)");
       };
       a->bootstrap =
           named(add("bootstrap", "Create the first admin account (and the audit key)", false));
       a->bootstrap->add_option("--password-env", a->password_env,
                                "Environment variable holding the admin's password (default "
                                "CANDOR_PASSWORD)");
       a->bootstrap->add_option("--training-expires", a->expires,
                                "Certification expiry (YYYY-MM-DD)");
       a->create = named(add("create", "Create an account (admin; needs the store key)", true));
       new_password(a->create);
       a->create
           ->add_option("--role", a->role,
                        "admin, enroller, investigator, examiner, supervisor, auditor")
           ->required();
       a->create->add_option("--training-expires", a->expires, "Certification expiry (YYYY-MM-DD)")
           ->required();
       a->training =
           named(add("training", "Set an account's training/certification expiry (admin)", true));
       a->training->add_option("--expires", a->expires, "YYYY-MM-DD")->required();
       a->disable = named(add("disable", "Disable an account and revoke its tokens (admin)", true));
       a->enable = named(add("enable", "Re-enable an account (admin; old tokens stay revoked)", true));
       a->token = named(add("token", "Issue an API token for an account (admin; needs the store key)",
                            true));
       a->password = add("password",
                         "Change your own password (current one from CANDOR_PASSWORD or a prompt; "
                         "revokes your tokens)",
                         true);
       new_password(a->password);
       a->list = add("list", "List accounts (admin, auditor)", true);
       return [a, &global] { return Run(*a, global); };
     }});

}  // namespace
}  // namespace candor::cli
