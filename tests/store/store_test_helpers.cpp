#include "store_test_helpers.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <atomic>
#include <stdexcept>
#include <thread>

#include "net.hpp"

namespace tdump::store::testing {
namespace {

std::string xml_value(const std::string& body, const std::string& tag) {
  auto start = body.find("<" + tag + ">");
  auto end = body.find("</" + tag + ">");
  if (start == std::string::npos || end == std::string::npos) return {};
  start += tag.size() + 2;
  return body.substr(start, end - start);
}

std::string form_encode(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace

std::shared_ptr<http::Engine> quick_engine() {
  http::ClientConfig config;
  config.retry.max_retries = 2;
  config.retry.init_backoff = std::chrono::milliseconds(10);
  config.retry.max_backoff = std::chrono::milliseconds(50);
  config.retry.retry_timeout = std::chrono::milliseconds(5'000);
  config.timeout = std::chrono::milliseconds(60'000);
  auto engine = http::Engine::create(config);
  if (!engine) throw std::runtime_error("engine: " + engine.error().message);
  return std::shared_ptr<http::Engine>(std::move(*engine));
}

std::vector<std::string> Listing::keys() const {
  std::vector<std::string> out;
  out.reserve(objects.size());
  for (const auto& o : objects) out.push_back(o.key);
  return out;
}

namespace {
Listing drain(ListStream& stream) {
  Listing listing;
  for (;;) {
    auto page = stream.next();
    if (!page) {
      listing.error = page.error();
      break;
    }
    if (!page->has_value()) break;
    listing.page_sizes.push_back((*page)->objects.size());
    for (auto& o : (*page)->objects) listing.objects.push_back(std::move(o));
  }
  return listing;
}
}  // namespace

Listing list_all(ObjectStore& store, const std::string& prefix, std::size_t page_size) {
  return drain(*store.list(prefix, page_size));
}

Listing list_all(ObjectStore& store, const std::string& prefix, const ListOptions& list_options) {
  return drain(*store.list(prefix, list_options));
}

tdump::testing::SimpleResponse moto_get(const tdump::testing::MotoServer& moto, const std::string& bucket,
                                        const std::string& key) {
  return tdump::testing::simple_http("GET", moto.port(), "/" + bucket + "/" + tdump::testing::url_encode_path(key));
}

tdump::testing::SimpleResponse azurite_get(const tdump::testing::AzuriteServer& azurite, const std::string& container,
                                           const std::string& key) {
  return tdump::testing::simple_http("GET", azurite.port(),
                                     std::string("/") + tdump::testing::AzuriteServer::kAccount + "/" + container +
                                         "/" + tdump::testing::url_encode_path(key) + "?" +
                                         tdump::testing::AzuriteServer::kSas);
}

StoreOptions options(std::map<std::string, std::string> values, std::map<std::string, std::string> env,
                     std::string home) {
  StoreOptions o;
  o.values = std::move(values);
  o.env = [env = std::move(env)](std::string_view name) -> std::optional<std::string> {
    auto it = env.find(std::string(name));
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  o.home = std::move(home);
  return o;
}

std::unique_ptr<ObjectStore> open_or_fail(std::string_view url, const StoreOptions& options,
                                          std::shared_ptr<http::Engine> engine) {
  auto store = open_store(url, options, std::move(engine));
  EXPECT_TRUE(store.ok()) << url << ": " << (store.ok() ? "" : store.error().describe());
  return store.ok() ? std::move(*store) : nullptr;
}

namespace {
std::map<std::string, std::string> with(std::map<std::string, std::string> values,
                                        const std::map<std::string, std::string>& extra) {
  for (const auto& [key, value] : extra) values[key] = value;
  return values;
}
}  // namespace

std::map<std::string, std::string> moto_values(const tdump::testing::MotoServer& moto,
                                               const std::map<std::string, std::string>& extra,
                                               const std::string& endpoint) {
  return with({{"endpoint", endpoint.empty() ? moto.endpoint() : endpoint},
               {"allow_http", "true"},
               {"access_key_id", "AKIAIOSFODNN7EXAMPLE"},
               {"secret_access_key", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}},
              extra);
}

std::map<std::string, std::string> azurite_values(const tdump::testing::AzuriteServer& azurite,
                                                  const std::map<std::string, std::string>& extra) {
  return with({{"use_emulator", "true"}, {"endpoint", "http://127.0.0.1:" + std::to_string(azurite.port())}}, extra);
}

std::map<std::string, std::string> gcs_values(const std::string& endpoint,
                                              const std::map<std::string, std::string>& extra) {
  return with({{"google_endpoint", endpoint}, {"allow_http", "true"}}, extra);
}

AwsKeys create_moto_user(const tdump::testing::MotoServer& moto, const std::string& name) {
  // moto routes a request to a service by the credential scope of its Authorization header.
  const std::string iam =
      "Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240101/us-east-1/iam/aws4_request, "
      "SignedHeaders=host, Signature=00\r\nContent-Type: application/x-www-form-urlencoded\r\n";
  auto post = [&](const std::string& body) {
    auto r = tdump::testing::simple_http("POST", moto.port(), "/", body, iam);
    if (r.status != 200) throw std::runtime_error("moto IAM: " + std::to_string(r.status) + " " + r.body);
    return r.body;
  };
  post("Action=CreateUser&Version=2010-05-08&UserName=" + name);
  post("Action=PutUserPolicy&Version=2010-05-08&UserName=" + name + "&PolicyName=s3all&PolicyDocument=" +
       form_encode(R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]})"));
  std::string key = post("Action=CreateAccessKey&Version=2010-05-08&UserName=" + name);
  AwsKeys keys{xml_value(key, "AccessKeyId"), xml_value(key, "SecretAccessKey")};
  if (keys.access_key_id.empty() || keys.secret_access_key.empty()) throw std::runtime_error("moto IAM: " + key);
  return keys;
}

void set_moto_auth(const tdump::testing::MotoServer& moto, const std::string& after_actions) {
  auto r = tdump::testing::simple_http("POST", moto.port(), "/moto-api/reset-auth", after_actions,
                                       "Content-Type: text/plain\r\n");
  if (r.status != 200) throw std::runtime_error("moto reset-auth: " + std::to_string(r.status) + " " + r.body);
}

void put_objects_parallel(const tdump::testing::MotoServer& moto, const std::string& bucket,
                          const std::vector<std::pair<std::string, std::string>>& objects, int threads) {
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> workers;
  workers.reserve(static_cast<std::size_t>(threads));
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (std::size_t i = next++; i < objects.size() && !failed; i = next++) {
        try {
          moto.put_object(bucket, objects[i].first, objects[i].second);
        } catch (const std::exception&) {
          failed = true;
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  if (failed) throw std::runtime_error("parallel upload to moto failed");
}

std::string md5_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_md5(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

std::string test_payload(std::size_t bytes, std::uint32_t seed) {
  std::string out(bytes, '\0');
  std::uint64_t state = 0x9E3779B97F4A7C15ULL ^ seed;
  for (auto& c : out) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;  // Knuth's MMIX LCG
    c = static_cast<char>(state >> 56);
  }
  return out;
}

const std::vector<std::string>& awkward_write_keys() {
  static const std::vector<std::string> kKeys = {
      "plain.bin",         "with space.bin",   "plus+sign.bin",        "percent%41.bin",
      "equals=sign.bin",   "amp&ersand.bin",   "question?.bin",        "hash#tag.bin",
      "unicodé/ñandú.bin", "dir/sub/deep.bin", "semi;colon,comma.bin", "tilde~under_score-dash.bin"};
  return kKeys;
}

void check_put_overwrite_delete(ObjectStore& store,
                                const std::function<std::optional<std::string>(const std::string& key)>& read_back) {
  for (const auto& key : awkward_write_keys()) {
    SCOPED_TRACE(key);
    auto put = store.put_object(key, "first " + key);
    ASSERT_TRUE(put.ok()) << put.error().describe();
    EXPECT_EQ(read_back(key), "first " + key);
    ASSERT_TRUE(store.put_object(key, "second, longer: " + key).ok());
    EXPECT_EQ(read_back(key), "second, longer: " + key);
    auto removed = store.delete_object(key);
    ASSERT_TRUE(removed.ok()) << removed.error().describe();
    EXPECT_EQ(read_back(key), std::nullopt);
    EXPECT_TRUE(store.delete_object(key).ok()) << "a second delete of the same key";
  }
}

}  // namespace tdump::store::testing
