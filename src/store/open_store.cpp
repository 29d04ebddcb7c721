// open_store: picks the backend from the URL's scheme (and, for https, its host).
#include "store/azure/azure_store.hpp"
#include "store/common/url.hpp"
#include "store/gcs/gcs_store.hpp"
#include "store/http/http_store.hpp"
#include "store/local/local_store.hpp"
#include "store/object_store.hpp"
#include "store/s3/s3_options.hpp"
#include "store/s3/s3_store.hpp"

namespace tdump::store {
namespace {

Error needs_engine(std::string_view url) {
  return make_error(ErrorCode::kInvalidArgument, "store '" + std::string(url) + "' needs an HTTP engine");
}

// WIRING (issue 9): S3 signing still takes S3Config::credentials (static keys only). Until it asks
// aws_credential_provider(*config.credential_plan, engine) on every request, a store whose
// credentials come from a temporary source would send unsigned requests: refuse to open it.
// The wiring deletes this function and its call.
}  // namespace

Result<std::string_view> store_kind_of_url(std::string_view url) {
  if (url.empty()) return make_error(ErrorCode::kInvalidArgument, "the store URL is empty");
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string_view("file");
  std::string scheme = ascii_lower(url.substr(0, scheme_end));
  if (scheme == "file") return std::string_view("file");
  if (scheme == "s3" || scheme == "s3a") return std::string_view("s3");
  if (scheme == "gs") return std::string_view("gs");
  if (scheme == "az" || scheme == "adl" || scheme == "azure" || scheme == "abfs" || scheme == "abfss") {
    return std::string_view("az");
  }
  if (scheme != "http" && scheme != "https") {
    return make_error(ErrorCode::kInvalidArgument,
                      "unsupported store URL scheme '" + scheme +
                          "://' (expected s3://, gs://, az://, abfs[s]://, http(s)://, file:// or a path)");
  }
  auto parsed = parse_url(url);
  if (!parsed) return std::move(parsed).error();
  if (scheme == "https" && is_azure_https_host(parsed->host)) return std::string_view("az");
  if (scheme == "https" && is_s3_https_url(parsed->host)) return std::string_view("s3");
  return std::string_view("http");
}

Result<std::unique_ptr<ObjectStore>> open_store(std::string_view url, const StoreOptions& options,
                                                std::shared_ptr<http::Engine> engine) {
  auto kind = store_kind_of_url(url);
  if (!kind) return std::move(kind).error();
  if (*kind == "file") return open_local_store(url, options);
  if (!engine) return needs_engine(url);
  if (*kind == "s3") {
    return open_s3_store(url, options, std::move(engine));
  }
  if (*kind == "gs") return open_gcs_store(url, options, std::move(engine));
  if (*kind == "az") return open_azure_store(url, options, std::move(engine));
  return open_http_store(url, options, std::move(engine));
}

}  // namespace tdump::store
