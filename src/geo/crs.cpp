#include "geo/crs.hpp"

#include <geotiff/geo_normalize.h>
#include <geotiff/geo_simpletags.h>
#include <geotiff/geotiff.h>
#include <geotiff/geovalues.h>
#include <proj.h>
#include <proj_experimental.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <numbers>
#include <string>
#include <vector>

namespace tdump::geo {
namespace {

// GeoKey ids (GeoTIFF 1.1, OGC 19-008r4).
namespace key {
constexpr std::uint16_t kModelType = 1024;
constexpr std::uint16_t kRasterType = 1025;
constexpr std::uint16_t kCitation = 1026;
constexpr std::uint16_t kGeographicType = 2048;
constexpr std::uint16_t kGeogCitation = 2049;
constexpr std::uint16_t kGeogInvFlattening = 2059;
constexpr std::uint16_t kProjectedType = 3072;
constexpr std::uint16_t kProjCitation = 3073;
constexpr std::uint16_t kProjCoordTrans = 3075;
constexpr std::uint16_t kVertical = 4096;
constexpr std::uint16_t kVerticalCitation = 4097;
constexpr std::uint16_t kVerticalDatum = 4098;
constexpr std::uint16_t kVerticalUnits = 4099;
}  // namespace key

constexpr int kUserDefined = KvUserDefined;  // 32767
constexpr double kDegree = std::numbers::pi / 180.0;
constexpr std::string_view kEsriPe = "ESRI PE String = ";

struct GtifDeleter {
  void operator()(GTIF* g) const noexcept { GTIFFree(g); }
};
struct StDeleter {
  void operator()(ST_TIFF* s) const noexcept { ST_Destroy(s); }
};
// A string libgeotiff allocated.
struct GtifString {
  char* text = nullptr;
  GtifString() = default;
  GtifString(const GtifString&) = delete;
  GtifString& operator=(const GtifString&) = delete;
  ~GtifString() {
    if (text != nullptr) GTIFFreeMemory(text);
  }
  [[nodiscard]] std::string str(const char* fallback) const { return text != nullptr ? text : fallback; }
};

std::optional<std::uint16_t> short_key(const tiff::GeoKeySet& keys, std::uint16_t id) {
  const tiff::GeoKey* k = keys.find(id);
  if (k == nullptr || k->kind != tiff::GeoValueKind::kShort || k->size != 1) return std::nullopt;
  return keys.shorts_of(*k)[0];
}

std::optional<std::string_view> text_key(const tiff::GeoKeySet& keys, std::uint16_t id) {
  const tiff::GeoKey* k = keys.find(id);
  if (k == nullptr || k->kind != tiff::GeoValueKind::kAscii) return std::nullopt;
  return k->text;
}

bool is_code(std::optional<std::uint16_t> v) {
  return v && *v != 0 && *v != kUserDefined;
}

// True when the keys name their CRS by an EPSG code that decides everything but the vertical
// part (then citations do not shape the result and stay out of the cache key).
bool coded(const tiff::GeoKeySet& keys) {
  const auto model = short_key(keys, key::kModelType);
  const bool projected_model = !model || *model == 1 || *model == kUserDefined;
  if (projected_model && is_code(short_key(keys, key::kProjectedType))) return true;
  return model && *model == 2 && is_code(short_key(keys, key::kGeographicType));
}

bool has_vertical(const tiff::GeoKeySet& keys) {
  return keys.find(key::kVertical) != nullptr || keys.find(key::kVerticalDatum) != nullptr ||
         keys.find(key::kVerticalUnits) != nullptr;
}

bool is_citation(std::uint16_t id) {
  return id == key::kCitation || id == key::kGeogCitation || id == key::kProjCitation || id == key::kVerticalCitation;
}

template <typename T>
void append_raw(std::string& out, const T& v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

// The bytes of every key that can shape the CRS, in directory order.
void make_cache_key(const tiff::GeoKeySet& keys, std::string& out) {
  out.clear();
  const bool skip_citations = coded(keys) && !has_vertical(keys);
  for (const tiff::GeoKey& k : keys.keys) {
    if (k.id == key::kRasterType) continue;
    if (skip_citations && is_citation(k.id)) continue;
    append_raw(out, k.id);
    append_raw(out, k.kind);
    append_raw(out, k.size);
    switch (k.kind) {
      case tiff::GeoValueKind::kShort:
      case tiff::GeoValueKind::kUnknown:
        for (std::uint16_t v : keys.shorts_of(k)) append_raw(out, v);
        break;
      case tiff::GeoValueKind::kDouble:
        for (double v : keys.doubles_of(k)) append_raw(out, v);
        break;
      case tiff::GeoValueKind::kAscii:
        out.append(k.text);
        out.push_back('\0');
        break;
    }
  }
}

// The value after `field = ` in an ESRI-style citation ("GCS Name = x|Datum = y|..."), if any.
std::optional<std::string> citation_field(std::string_view citation, std::string_view field) {
  std::string needle = std::string(field) + " = ";
  auto at = citation.find(needle);
  if (at == std::string_view::npos) return std::nullopt;
  auto rest = citation.substr(at + needle.size());
  auto end = rest.find('|');
  std::string value(rest.substr(0, end));
  if (value.empty()) return std::nullopt;
  return value;
}

class Builder {
 public:
  Builder(PJ_CONTEXT* ctx, const tiff::GeoKeySet& keys) : ctx_(ctx), keys_(keys) {}

  // The CRS, or null; sets `epsg` when the CRS comes straight from an EPSG code.
  PjPtr build(std::optional<std::int32_t>& epsg);

 private:
  PjPtr from_db(int code, PJ_CATEGORY category) const {
    const std::string text = std::to_string(code);
    return PjPtr(proj_create_from_database(ctx_, "EPSG", text.c_str(), category, 0, nullptr));
  }
  bool load_defn();
  PjPtr from_esri_pe(std::optional<std::string_view> citation) const;
  PjPtr geographic();
  PjPtr conversion(std::string& unit_name, double& unit_factor);
  PjPtr with_towgs84(PjPtr crs, const PJ* geographic_base);
  // A compound CRS when the keys name a vertical CRS by code (GeoTIFF stores no code for the
  // compound itself: `epsg` is cleared, to be identified).
  PjPtr with_vertical(PjPtr horizontal, std::optional<std::int32_t>& epsg);

  PJ_CONTEXT* ctx_;
  const tiff::GeoKeySet& keys_;
  GTIFDefn defn_{};
  bool datum_known_ = false;  // the geodetic datum has an EPSG definition (no TOWGS84 needed)
};

bool Builder::load_defn() {
  std::unique_ptr<ST_TIFF, StDeleter> st(ST_Create());
  if (!st) return false;
  std::unique_ptr<GTIF, GtifDeleter> gtif(GTIFNewSimpleTags(st.get()));
  if (!gtif) return false;
  GTIFAttachPROJContext(gtif.get(), ctx_);
  std::string text;
  std::vector<std::uint16_t> seen;
  for (const tiff::GeoKey& k : keys_.keys) {
    // A key given twice: the first counts (as GeoKeySet::find). Setting it again would also leak
    // libgeotiff's copy of an ASCII value.
    if (std::find(seen.begin(), seen.end(), k.id) != seen.end()) continue;
    seen.push_back(k.id);
    const auto id = static_cast<geokey_t>(k.id);
    switch (k.kind) {
      case tiff::GeoValueKind::kShort: {
        auto values = keys_.shorts_of(k);
        if (values.size() == 1) {
          GTIFKeySet(gtif.get(), id, TYPE_SHORT, 1, static_cast<int>(values[0]));
        } else if (values.size() > 1) {
          GTIFKeySet(gtif.get(), id, TYPE_SHORT, static_cast<int>(values.size()),
                     const_cast<std::uint16_t*>(values.data()));
        }
        break;
      }
      case tiff::GeoValueKind::kDouble: {
        auto values = keys_.doubles_of(k);
        if (values.size() == 1) {
          GTIFKeySet(gtif.get(), id, TYPE_DOUBLE, 1, values[0]);
        } else if (values.size() > 1) {
          GTIFKeySet(gtif.get(), id, TYPE_DOUBLE, static_cast<int>(values.size()), const_cast<double*>(values.data()));
        }
        break;
      }
      case tiff::GeoValueKind::kAscii:
        text.assign(k.text);
        GTIFKeySet(gtif.get(), id, TYPE_ASCII, 0, text.c_str());
        break;
      case tiff::GeoValueKind::kUnknown:
        break;
    }
  }
  return GTIFGetDefn(gtif.get(), &defn_) != 0 && defn_.DefnSet != 0;
}

PjPtr Builder::from_esri_pe(std::optional<std::string_view> citation) const {
  if (!citation || citation->rfind(kEsriPe, 0) != 0) return nullptr;
  const std::string wkt(citation->substr(kEsriPe.size()));
  return PjPtr(proj_create(ctx_, wkt.c_str()));
}

PjPtr Builder::geographic() {
  datum_known_ = false;
  if (defn_.GCS != kUserDefined && defn_.GCS > 0) {
    if (auto crs = from_db(defn_.GCS, PJ_CATEGORY_CRS)) {
      datum_known_ = true;
      return crs;
    }
  }
  const auto citation = text_key(keys_, key::kGeogCitation);
  std::optional<std::string> name, datum_name, ellps_name, pm_name;
  if (citation) {
    name = citation_field(*citation, "GCS Name");
    datum_name = citation_field(*citation, "Datum");
    ellps_name = citation_field(*citation, "Ellipsoid");
    pm_name = citation_field(*citation, "Primem");
    if (!name && citation->find(" = ") == std::string_view::npos) name = std::string(*citation);
  }
  // Angular unit of the geographic CRS.
  GtifString angle_name;
  double angle_degrees = defn_.UOMAngleInDegrees;
  if (angle_degrees == 0) angle_degrees = 1;
  if (defn_.UOMAngle != kUserDefined) GTIFGetUOMAngleInfoEx(ctx_, defn_.UOMAngle, &angle_name.text, nullptr);
  PjPtr cs(proj_create_ellipsoidal_2D_cs(ctx_, PJ_ELLPS2D_LATITUDE_LONGITUDE, angle_name.str("degree").c_str(),
                                         angle_degrees * kDegree));
  if (!cs) return nullptr;

  if (defn_.Datum != kUserDefined && defn_.Datum > 0) {
    if (PjPtr datum = from_db(defn_.Datum, PJ_CATEGORY_DATUM)) {
      datum_known_ = true;
      if (!name) {
        const char* dn = proj_get_name(datum.get());
        name = dn != nullptr ? dn : "unknown";
      }
      return PjPtr(proj_create_geographic_crs_from_datum(ctx_, name->c_str(), datum.get(), cs.get()));
    }
  }
  // A datum of its own: the ellipsoid and prime meridian the keys give.
  const double a = defn_.SemiMajor;
  if (!(a > 0)) return nullptr;
  double rf = 0;
  if (const tiff::GeoKey* k = keys_.find(key::kGeogInvFlattening);
      k != nullptr && k->kind == tiff::GeoValueKind::kDouble && k->size == 1 &&
      std::isfinite(keys_.doubles_of(*k)[0])) {
    rf = keys_.doubles_of(*k)[0];
  } else if (defn_.SemiMinor > 0 && defn_.SemiMinor != a) {
    rf = a / (a - defn_.SemiMinor);
  }
  if (!ellps_name) {
    GtifString en;
    if (defn_.Ellipsoid != kUserDefined) GTIFGetEllipsoidInfoEx(ctx_, defn_.Ellipsoid, &en.text, nullptr, nullptr);
    ellps_name = en.str("unknown");
  }
  if (!datum_name) {
    GtifString dn;
    if (defn_.Datum != kUserDefined) GTIFGetDatumInfoEx(ctx_, defn_.Datum, &dn.text, nullptr);
    datum_name = dn.str("unknown");
  }
  if (!pm_name) {
    GtifString pn;
    if (defn_.PM != kUserDefined) GTIFGetPMInfoEx(ctx_, defn_.PM, &pn.text, nullptr);
    pm_name = pn.text != nullptr ? pn.str("") : (defn_.PMLongToGreenwich == 0 ? "Greenwich" : "unnamed");
  }
  if (!name) name = *datum_name;
  return PjPtr(proj_create_geographic_crs(ctx_, name->c_str(), datum_name->c_str(), ellps_name->c_str(), a, rf,
                                          pm_name->c_str(), defn_.PMLongToGreenwich, "degree", kDegree, cs.get()));
}

PjPtr Builder::conversion(std::string& unit_name, double& unit_factor) {
  // The linear unit of the projected CRS (libgeotiff gives linear parameters in metres).
  unit_factor = defn_.UOMLengthInMeters > 0 ? defn_.UOMLengthInMeters : 1.0;
  {
    GtifString un;
    if (defn_.UOMLength != kUserDefined) GTIFGetUOMLengthInfoEx(ctx_, defn_.UOMLength, &un.text, nullptr);
    unit_name = un.str(unit_factor == 1.0 ? "metre" : "unknown");
  }
  if (defn_.ProjCode != kUserDefined && defn_.ProjCode > 0) {
    if (auto conv = from_db(defn_.ProjCode, PJ_CATEGORY_COORDINATE_OPERATION)) return conv;
  }
  double p[7] = {};
  for (int i = 0; i < 7 && i < defn_.nParms; ++i) p[i] = defn_.ProjParm[i];
  // libgeotiff up to 1.7.3 returns angular parameters read from Proj*GeoKeys in the angular unit
  // of the geographic CRS (only those it derives from an EPSG code in degrees): to degrees.
  if (keys_.find(key::kProjCoordTrans) != nullptr && defn_.UOMAngleInDegrees != 0) {
    for (int i = 0; i < 4; ++i) p[i] *= defn_.UOMAngleInDegrees;
  }
  const double fe = p[5] / unit_factor;
  const double fn = p[6] / unit_factor;
  const char* lu = unit_name.c_str();
  const double lf = unit_factor;
  PJ* c = nullptr;
  switch (defn_.CTProjection) {
    case CT_TransverseMercator:
      c = proj_create_conversion_transverse_mercator(ctx_, p[0], p[1], p[4], fe, fn, "degree", kDegree, lu, lf);
      break;
    case CT_TransvMercator_SouthOriented:
      c = proj_create_conversion_transverse_mercator_south_oriented(ctx_, p[0], p[1], p[4], fe, fn, "degree", kDegree,
                                                                    lu, lf);
      break;
    case CT_Mercator:
      // A standard parallel makes it Mercator (variant B), else variant A with its scale.
      if (defn_.ProjParmId[2] == ProjStdParallel1GeoKey) {
        c = proj_create_conversion_mercator_variant_b(ctx_, p[2], p[1], fe, fn, "degree", kDegree, lu, lf);
      } else {
        c = proj_create_conversion_mercator_variant_a(ctx_, p[0], p[1], p[4], fe, fn, "degree", kDegree, lu, lf);
      }
      break;
    case CT_ObliqueStereographic:
      c = proj_create_conversion_oblique_stereographic(ctx_, p[0], p[1], p[4], fe, fn, "degree", kDegree, lu, lf);
      break;
    case CT_Stereographic:
      c = proj_create_conversion_stereographic(ctx_, p[0], p[1], p[4], fe, fn, "degree", kDegree, lu, lf);
      break;
    case CT_ObliqueMercator:
      c = proj_create_conversion_hotine_oblique_mercator_variant_a(ctx_, p[0], p[1], p[2], p[3], p[4], fe, fn, "degree",
                                                                   kDegree, lu, lf);
      break;
    case CT_HotineObliqueMercatorAzimuthCenter:
      c = proj_create_conversion_hotine_oblique_mercator_variant_b(ctx_, p[0], p[1], p[2], p[3], p[4], fe, fn, "degree",
                                                                   kDegree, lu, lf);
      break;
    case CT_ObliqueMercator_Laborde:
      c = proj_create_conversion_laborde_oblique_mercator(ctx_, p[0], p[1], p[2], p[4], fe, fn, "degree", kDegree, lu,
                                                          lf);
      break;
    case CT_CassiniSoldner:
      c = proj_create_conversion_cassini_soldner(ctx_, p[0], p[1], fe, fn, "degree", kDegree, lu, lf);
      break;
    case CT_Polyconic:
      c = proj_create_conversion_american_polyconic(ctx_, p[0], p[1], fe, fn, "degree", kDegree, lu, lf);
      break;
    case CT_AzimuthalEquidistant:
      c = proj_create_conversion_azimuthal_equidistant(ctx_, p[0], p[1], fe, fn, "degree", kDegree, lu, lf);
      break;
    case CT_MillerCylindrical:
      c = proj_create_conversion_miller_cylindrical(ctx_, p[1], fe, fn, "degree", kDegree, lu, lf);
      break;
    case CT_Equirectangular:
      // Equidistant Cylindrical has no latitude of origin: only the usual form with 0 there.
      if (p[0] == 0) {
        c = proj_create_conversion_equidistant_cylindrical(ctx_, p[2], p[1], fe, fn, "degree", kDegree, lu, lf);
      }
      break;
    case CT_Gnomonic:
      c = proj_create_conversion_gnomonic(ctx_, p[0], p[1], fe, fn, "degree", kDegree, lu, lf);
      break;
    case CT_LambertAzimEqualArea:
      c = proj_create_conversion_lambert_azimuthal_equal_area(ctx_, p[0], p[1], fe, fn, "degree", kDegree, lu, lf);
      break;
    case CT_Orthographic:
      c = proj_create_conversion_orthographic(ctx_, p[0], p[1], fe, fn, "degree", kDegree, lu, lf);
      break;
    case CT_Robinson:
      c = proj_create_conversion_robinson(ctx_, p[1], fe, fn, "degree", kDegree, lu, lf);
      break;
    case CT_Sinusoidal:
      c = proj_create_conversion_sinusoidal(ctx_, p[1], fe, fn, "degree", kDegree, lu, lf);
      break;
    case CT_VanDerGrinten:
      c = proj_create_conversion_van_der_grinten(ctx_, p[1], fe, fn, "degree", kDegree, lu, lf);
      break;
    case CT_PolarStereographic:
      // GDAL's reading: a scale of 1 away from the pole is a latitude of true scale (variant B).
      if (p[4] == 1.0 && std::abs(std::abs(p[0]) - 90.0) > 1e-8) {
        c = proj_create_conversion_polar_stereographic_variant_b(ctx_, p[0], p[1], fe, fn, "degree", kDegree, lu, lf);
      } else {
        c = proj_create_conversion_polar_stereographic_variant_a(ctx_, p[0], p[1], p[4], fe, fn, "degree", kDegree, lu,
                                                                 lf);
      }
      break;
    case CT_LambertConfConic_2SP:
      c = proj_create_conversion_lambert_conic_conformal_2sp(ctx_, p[0], p[1], p[2], p[3], fe, fn, "degree", kDegree,
                                                             lu, lf);
      break;
    case CT_LambertConfConic_1SP:
      c = proj_create_conversion_lambert_conic_conformal_1sp(ctx_, p[0], p[1], p[4], fe, fn, "degree", kDegree, lu, lf);
      break;
    case CT_AlbersEqualArea:
      // libgeotiff's slots here: standard parallels first, then the false origin.
      c = proj_create_conversion_albers_equal_area(ctx_, p[2], p[3], p[0], p[1], fe, fn, "degree", kDegree, lu, lf);
      break;
    case CT_NewZealandMapGrid:
      c = proj_create_conversion_new_zealand_mapping_grid(ctx_, p[0], p[1], fe, fn, "degree", kDegree, lu, lf);
      break;
    case CT_CylindricalEqualArea:
      c = proj_create_conversion_lambert_cylindrical_equal_area(ctx_, p[0], p[1], fe, fn, "degree", kDegree, lu, lf);
      break;
    default:  // Alaska, Rosenmund, spherical oblique Mercator, equidistant conic: not built
      break;
  }
  return PjPtr(c);
}

PjPtr Builder::with_towgs84(PjPtr crs, const PJ* geographic_base) {
  if (!crs || datum_known_ || defn_.TOWGS84Count <= 0) return crs;
  const double* t = defn_.TOWGS84;
  const bool translation_only = defn_.TOWGS84Count == 3 || (t[3] == 0 && t[4] == 0 && t[5] == 0 && t[6] == 0);
  constexpr double kArcSecond = kDegree / 3600.0;
  const PJ_PARAM_DESCRIPTION params[7] = {
      {"X-axis translation", "EPSG", "8605", t[0], "metre", 1.0, PJ_UT_LINEAR},
      {"Y-axis translation", "EPSG", "8606", t[1], "metre", 1.0, PJ_UT_LINEAR},
      {"Z-axis translation", "EPSG", "8607", t[2], "metre", 1.0, PJ_UT_LINEAR},
      {"X-axis rotation", "EPSG", "8608", t[3], "arc-second", kArcSecond, PJ_UT_ANGULAR},
      {"Y-axis rotation", "EPSG", "8609", t[4], "arc-second", kArcSecond, PJ_UT_ANGULAR},
      {"Z-axis rotation", "EPSG", "8610", t[5], "arc-second", kArcSecond, PJ_UT_ANGULAR},
      {"Scale difference", "EPSG", "8611", t[6], "parts per million", 1e-6, PJ_UT_SCALE},
  };
  PjPtr wgs84 = from_db(4326, PJ_CATEGORY_CRS);
  if (!wgs84) return crs;
  const char* source_name = proj_get_name(geographic_base);
  const std::string name =
      std::string("Transformation from ") + (source_name != nullptr ? source_name : "unknown") + " to WGS84";
  PjPtr transformation(proj_create_transformation(
      ctx_, name.c_str(), nullptr, nullptr, const_cast<PJ*>(geographic_base), wgs84.get(), nullptr,
      translation_only ? "Geocentric translations (geog2D domain)" : "Position Vector transformation (geog2D domain)",
      "EPSG", translation_only ? "9603" : "9606", translation_only ? 3 : 7, params, -1.0));
  if (!transformation) return crs;
  PjPtr bound(proj_crs_create_bound_crs(ctx_, crs.get(), wgs84.get(), transformation.get()));
  return bound ? std::move(bound) : std::move(crs);
}

PjPtr Builder::with_vertical(PjPtr horizontal, std::optional<std::int32_t>& epsg) {
  const auto vertical = short_key(keys_, key::kVertical);
  if (!horizontal || !is_code(vertical)) return horizontal;
  PjPtr vert = from_db(*vertical, PJ_CATEGORY_CRS);
  if (!vert || proj_get_type(vert.get()) != PJ_TYPE_VERTICAL_CRS) return horizontal;
  std::string name;
  if (auto citation = text_key(keys_, key::kCitation); citation && citation->find(" = ") == std::string_view::npos) {
    name = std::string(*citation);
  } else {
    const char* hn = proj_get_name(horizontal.get());
    const char* vn = proj_get_name(vert.get());
    name = std::string(hn != nullptr ? hn : "unnamed") + " + " + (vn != nullptr ? vn : "unknown");
  }
  PjPtr compound(proj_create_compound_crs(ctx_, name.c_str(), horizontal.get(), vert.get()));
  if (!compound) return horizontal;
  epsg.reset();
  return compound;
}

PjPtr Builder::build(std::optional<std::int32_t>& epsg) {
  if (!load_defn()) return nullptr;
  int model = defn_.Model;
  // A ProjectedCSTypeGeoKey without a model type is read as projected (GDAL does the same).
  if ((model == kUserDefined || model == 0) && defn_.PCS != kUserDefined && defn_.PCS > 0) model = ModelTypeProjected;
  if (model != ModelTypeProjected && model != ModelTypeGeographic) {
    // No model (or geocentric): only an ESRI PE string says what the CRS is.
    return from_esri_pe(text_key(keys_, key::kProjCitation));
  }
  if (model == ModelTypeProjected) {
    if (defn_.PCS != kUserDefined && defn_.PCS > 0) {
      if (auto crs = from_db(defn_.PCS, PJ_CATEGORY_CRS)) {
        epsg = defn_.PCS;
        return with_vertical(std::move(crs), epsg);
      }
    }
    for (auto citation : {text_key(keys_, key::kProjCitation), text_key(keys_, key::kCitation)}) {
      if (auto crs = from_esri_pe(citation)) return with_vertical(std::move(crs), epsg);
    }
    PjPtr base = geographic();
    if (!base) return nullptr;
    std::string unit_name;
    double unit_factor = 1;
    PjPtr conv = conversion(unit_name, unit_factor);
    if (!conv) return nullptr;
    // Polar stereographic axes point along meridians, as in EPSG's polar CRSs (and as GDAL
    // builds them): towards the south from the north pole, towards the north from the south pole.
    auto cs_type = PJ_CART2D_EASTING_NORTHING;
    if (defn_.CTProjection == CT_PolarStereographic && defn_.nParms > 0 && defn_.ProjParm[0] != 0) {
      cs_type = defn_.ProjParm[0] > 0 ? PJ_CART2D_NORTH_POLE_EASTING_SOUTH_NORTHING_SOUTH
                                      : PJ_CART2D_SOUTH_POLE_EASTING_NORTH_NORTHING_NORTH;
    }
    PjPtr cs(proj_create_cartesian_2D_cs(ctx_, cs_type, unit_name.c_str(), unit_factor));
    if (!cs) return nullptr;
    std::string name = "unnamed";
    if (auto c = text_key(keys_, key::kProjCitation); c && !c->empty()) {
      name = std::string(*c);
    } else if (auto g = text_key(keys_, key::kCitation); g && !g->empty()) {
      name = std::string(*g);
    }
    PjPtr crs(proj_create_projected_crs(ctx_, name.c_str(), base.get(), conv.get(), cs.get()));
    return with_vertical(with_towgs84(std::move(crs), base.get()), epsg);
  }
  // Geographic.
  if (defn_.GCS != kUserDefined && defn_.GCS > 0) {
    if (auto crs = from_db(defn_.GCS, PJ_CATEGORY_CRS)) {
      epsg = defn_.GCS;
      return with_vertical(std::move(crs), epsg);
    }
  }
  PjPtr base = geographic();
  if (!base) return nullptr;
  PjPtr crs(proj_clone(ctx_, base.get()));
  return with_vertical(with_towgs84(std::move(crs), base.get()), epsg);
}

// The EPSG code PROJ identifies with full confidence (100: same definition and same name).
std::optional<std::int32_t> identify_epsg(PJ_CONTEXT* ctx, const PJ* crs) {
  // Full confidence needs an EPSG object of exactly this name: without one (a user-defined CRS
  // named "unknown", as GDAL writes them) skip proj_identify(), which takes tens of milliseconds.
  const char* name = proj_get_name(crs);
  if (name == nullptr || *name == '\0') return std::nullopt;
  PJ_OBJ_LIST* named = proj_create_from_name(ctx, "EPSG", name, nullptr, 0, 0, 1, nullptr);
  const bool exists = named != nullptr && proj_list_get_count(named) > 0;
  proj_list_destroy(named);
  if (!exists) return std::nullopt;
  int* confidence = nullptr;
  PJ_OBJ_LIST* matches = proj_identify(ctx, crs, "EPSG", nullptr, &confidence);
  std::optional<std::int32_t> result;
  if (matches != nullptr) {
    const int n = proj_list_get_count(matches);
    for (int i = 0; i < n && !result; ++i) {
      if (confidence[i] != 100) continue;
      PjPtr match(proj_list_get(ctx, matches, i));
      const char* code = match ? proj_get_id_code(match.get(), 0) : nullptr;
      if (code != nullptr) result = static_cast<std::int32_t>(std::strtol(code, nullptr, 10));
    }
    proj_int_list_destroy(confidence);
    proj_list_destroy(matches);
  }
  return result;
}

// The horizontal part of a compound CRS (else the CRS itself), as a new object.
PjPtr horizontal_of(PJ_CONTEXT* ctx, const PJ* crs) {
  if (proj_get_type(crs) == PJ_TYPE_COMPOUND_CRS) return PjPtr(proj_crs_get_sub_crs(ctx, crs, 0));
  return PjPtr(proj_clone(ctx, crs));
}

bool is_geographic(const PJ* crs) {
  const auto type = proj_get_type(crs);
  return type == PJ_TYPE_GEOGRAPHIC_2D_CRS || type == PJ_TYPE_GEOGRAPHIC_3D_CRS;
}

}  // namespace

void PjDeleter::operator()(PJconsts* pj) const noexcept {
  proj_destroy(pj);
}

CrsResolver::CrsResolver() : ctx_(proj_context_create()) {
  proj_log_level(ctx_, PJ_LOG_NONE);
  // EPSG:4326, not OGC:CRS84, as the target: PROJ picks transformations from the target's
  // authority (with OGC's it also takes ESRI's, which GDAL and rasterio do not use). The
  // transformer is normalized to longitude, latitude order below: the same coordinates as CRS84.
  wgs84_.reset(proj_create(ctx_, "EPSG:4326"));
}

CrsResolver::~CrsResolver() {
  cache_.clear();
  wgs84_.reset();
  proj_context_destroy(ctx_);
}

const Crs* CrsResolver::resolve(const tiff::GeoKeySet& keys) {
  if (!keys.present || keys.keys.empty()) return nullptr;
  make_cache_key(keys, key_);
  if (auto it = cache_.find(key_); it != cache_.end()) return it->second.get();
  if (cache_.size() >= kMaxEntries) clear();
  ++builds_;
  auto built = build(keys);
  const Crs* result = built.get();
  cache_.emplace(key_, std::move(built));
  return result;
}

std::unique_ptr<Crs> CrsResolver::build(const tiff::GeoKeySet& keys) {
  std::optional<std::int32_t> epsg;
  PjPtr pj = Builder(ctx_, keys).build(epsg);
  if (!pj) return nullptr;
  auto crs = std::make_unique<Crs>();
  crs->id = next_value_id();
  const char* const json_options[] = {"MULTILINE=NO", nullptr};
  const char* json = proj_as_projjson(ctx_, pj.get(), json_options);
  if (json == nullptr) return nullptr;
  crs->projjson = json;
  if (const char* name = proj_get_name(pj.get())) crs->name = name;
  crs->epsg = epsg ? epsg : identify_epsg(ctx_, pj.get());

  PjPtr horizontal = horizontal_of(ctx_, pj.get());
  if (horizontal) {
    PJ* base = horizontal.get();
    PjPtr unbound;
    if (proj_get_type(base) == PJ_TYPE_BOUND_CRS) {
      unbound.reset(proj_get_source_crs(ctx_, base));
      if (unbound) base = unbound.get();
    }
    crs->geographic = is_geographic(base);
  }
  if (horizontal && wgs84_) {
    PjPtr op(proj_create_crs_to_crs_from_pj(ctx_, horizontal.get(), wgs84_.get(), nullptr, nullptr));
    if (op) crs->to_lonlat.reset(proj_normalize_for_visualization(ctx_, op.get()));
  }
  if (crs->to_lonlat) {
    PJ_PROJ_INFO info = proj_pj_info(crs->to_lonlat.get());
    crs->identity = info.id != nullptr && std::strcmp(info.id, "noop") == 0;
    auto pole = [&](double lat) -> std::optional<std::array<double, 2>> {
      PJ_COORD c = proj_coord(0, lat, 0, 0);
      PJ_COORD r = proj_trans(crs->to_lonlat.get(), PJ_INV, c);
      if (!std::isfinite(r.xy.x) || !std::isfinite(r.xy.y) || r.xy.x == HUGE_VAL) return std::nullopt;
      return std::array<double, 2>{r.xy.x, r.xy.y};
    };
    crs->north_pole = pole(90);
    crs->south_pole = pole(-90);
    proj_errno_reset(crs->to_lonlat.get());
  }
  crs->crs = std::move(pj);
  return crs;
}

std::uint64_t next_value_id() noexcept {
  static std::atomic<std::uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

CrsResolver& thread_crs_resolver() {
  thread_local CrsResolver resolver;
  return resolver;
}

}  // namespace tdump::geo
