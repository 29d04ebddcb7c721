// libFuzzer target: the AWS credentials JSON documents (parse_json_credentials,
// store/s3/aws_credential_sources.hpp) as each source reads them: EC2 instance metadata
// (Code must be "Success", Expiration required), the ECS / EKS container endpoint (Expiration
// optional) and credential_process output ("Version": 1). Seeds: the answers of our IMDSv2 and
// container test servers (tests/store/aws_cred_servers.py) and credential_process documents in
// the documented layout (fuzz/make_seeds.py).
#include <algorithm>

#include "common/fuzz_support.hpp"
#include "store/s3/aws_credential_sources.hpp"

using tdump::fuzz::check;
using namespace tdump::store;

namespace {

struct Source {
  const char* what;
  bool expiration_required;
  bool process;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,  // NOLINT(readability-identifier-naming)
                                      std::size_t size) {
  const std::string_view body = tdump::fuzz::as_text(data, size);
  for (const Source& source : {Source{"instance metadata", true, false}, Source{"container credentials", false, false},
                               Source{"credential_process", false, true}}) {
    auto credential = aws::parse_json_credentials(body, source.what, source.expiration_required, source.process);
    if (!credential) {
      const std::string& message = credential.error().message;
      check(message.starts_with(source.what), "an error does not name the credential source");
      check(std::none_of(message.begin(), message.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; }),
            "an error message carries control characters from the answer");
      continue;
    }
    check(!credential->value.key_id.empty() && !credential->value.secret_key.empty(),
          "credentials without an access key id or secret were accepted");
    check(!source.expiration_required || credential->expires.has_value(),
          "instance metadata credentials without an expiration were accepted");
  }
  return 0;
}
