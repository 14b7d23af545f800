//! Who is asking: an authenticated principal or the public, and the access rules of
//! DESIGN.md's "Access" section as small guard methods.

use uuid::Uuid;

use crate::domain::Role;
use crate::error::{AppError, AppResult};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub user_id: Uuid,
    pub username: String,
    pub role: Role,
    pub city_code: Option<String>,
    /// A county admin's county (区县), within `city_code`.
    pub county: Option<String>,
    pub expert_id: Option<Uuid>,
    pub consultancy_id: Option<Uuid>,
    pub enterprise_id: Option<Uuid>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Viewer {
    Anonymous,
    User(Principal),
    /// The command line (migrations, bootstrap, imports): trusted, acts as the province.
    System,
}

impl Viewer {
    pub fn principal(&self) -> Option<&Principal> {
        match self {
            Viewer::User(p) => Some(p),
            _ => None,
        }
    }

    pub fn user_id(&self) -> Option<Uuid> {
        self.principal().map(|p| p.user_id)
    }

    pub fn role(&self) -> Option<Role> {
        match self {
            Viewer::User(p) => Some(p.role),
            Viewer::System => Some(Role::ProvinceAdmin),
            Viewer::Anonymous => None,
        }
    }

    pub fn require_user(&self) -> AppResult<&Principal> {
        match self {
            Viewer::User(p) => Ok(p),
            _ => Err(AppError::Unauthenticated("sign in first".into())),
        }
    }

    fn require_authenticated(&self) -> AppResult<()> {
        match self {
            Viewer::Anonymous => Err(AppError::Unauthenticated("sign in first".into())),
            _ => Ok(()),
        }
    }

    pub fn is_province_admin(&self) -> bool {
        self.role() == Some(Role::ProvinceAdmin)
    }

    pub fn require_province_admin(&self) -> AppResult<()> {
        self.require_authenticated()?;
        if self.is_province_admin() {
            Ok(())
        } else {
            Err(AppError::forbidden("only a province admin may do this"))
        }
    }

    /// Province or city admin.
    pub fn require_admin(&self) -> AppResult<()> {
        self.require_authenticated()?;
        match self.role() {
            Some(Role::ProvinceAdmin | Role::CityAdmin) => Ok(()),
            _ => Err(AppError::forbidden("only an administrator may do this")),
        }
    }

    /// Province, city or county admin: may ask for the officials' operations, each of which
    /// then checks the record's city (and, for a county admin, its delegation).
    pub fn require_official(&self) -> AppResult<()> {
        self.require_authenticated()?;
        match self.role() {
            Some(Role::ProvinceAdmin | Role::CityAdmin | Role::CountyAdmin) => Ok(()),
            _ => Err(AppError::forbidden("only an administrator may do this")),
        }
    }

    /// A county admin's city and county; `None` for everyone else.
    pub fn county_scope(&self) -> Option<(&str, &str)> {
        match self {
            Viewer::User(Principal {
                role: Role::CountyAdmin,
                city_code: Some(city),
                county: Some(county),
                ..
            }) => Some((city.as_str(), county.as_str())),
            _ => None,
        }
    }

    /// Whether this viewer is the county admin of `county` in `city_code` (`None`: no county,
    /// which no one is the admin of).
    pub fn is_county_admin_of(&self, city_code: &str, county: Option<&str>) -> bool {
        county.is_some() && self.county_scope() == county.map(|c| (city_code, c))
    }

    /// A city admin's city; `None` for the province (which sees every city).
    pub fn city_scope(&self) -> Option<&str> {
        match self {
            Viewer::User(p) if p.role == Role::CityAdmin => p.city_code.as_deref(),
            _ => None,
        }
    }

    /// Province admins reach every city; a city admin only their own.
    pub fn require_city(&self, city_code: &str) -> AppResult<()> {
        self.require_admin()?;
        // A city admin without a city (not creatable, but a row could say so) reaches nothing.
        if self.role() == Some(Role::CityAdmin) && self.city_scope() != Some(city_code) {
            return Err(AppError::forbidden(
                "a city administrator may only act within their own city",
            ));
        }
        Ok(())
    }

    /// The firm of a CONSULTANCY user.
    pub fn consultancy_id(&self) -> Option<Uuid> {
        match self {
            Viewer::User(p) if p.role == Role::Consultancy => p.consultancy_id,
            _ => None,
        }
    }

    /// Whether this viewer is a user of the given consultancy (their own firm).
    pub fn is_consultancy(&self, consultancy_id: Uuid) -> bool {
        self.consultancy_id() == Some(consultancy_id)
    }

    /// The city an administrator's list is narrowed to: a city admin's own (asking for another
    /// is FORBIDDEN rather than an empty list), the province's choice, if any.
    pub fn list_city<'a>(&'a self, asked: Option<&'a str>) -> AppResult<Option<&'a str>> {
        self.require_admin()?;
        if let Some(city) = asked {
            self.require_city(city)?;
        }
        if self.role() == Some(Role::CityAdmin) {
            return self
                .city_scope()
                .map(Some)
                .ok_or_else(|| AppError::forbidden("a city administrator without a city"));
        }
        Ok(asked)
    }

    /// The enterprise of an ENTERPRISE user.
    pub fn enterprise_id(&self) -> Option<Uuid> {
        match self {
            Viewer::User(p) if p.role == Role::Enterprise => p.enterprise_id,
            _ => None,
        }
    }

    /// Whether this viewer acts for the given enterprise (its own account).
    pub fn is_enterprise(&self, enterprise_id: Uuid) -> bool {
        self.enterprise_id() == Some(enterprise_id)
    }

    /// Whether this viewer is the given expert (their own record).
    pub fn is_expert(&self, expert_id: Uuid) -> bool {
        matches!(self, Viewer::User(p) if p.role == Role::Expert && p.expert_id == Some(expert_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role, city: Option<&str>) -> Viewer {
        Viewer::User(Principal {
            user_id: Uuid::now_v7(),
            username: "u".into(),
            role,
            city_code: city.map(str::to_owned),
            county: None,
            expert_id: None,
            consultancy_id: None,
            enterprise_id: None,
        })
    }

    #[test]
    fn city_admins_stay_in_their_city() {
        let v = user(Role::CityAdmin, Some("140100"));
        assert!(v.require_city("140100").is_ok());
        assert_eq!(
            v.require_city("140200").map_err(|e| e.code()),
            Err("FORBIDDEN")
        );
        assert!(
            user(Role::ProvinceAdmin, None)
                .require_city("140200")
                .is_ok()
        );
        assert_eq!(
            user(Role::Expert, None)
                .require_city("140100")
                .map_err(|e| e.code()),
            Err("FORBIDDEN")
        );
        assert_eq!(
            Viewer::Anonymous
                .require_city("140100")
                .map_err(|e| e.code()),
            Err("UNAUTHENTICATED")
        );
    }

    #[test]
    fn lists_are_narrowed_to_the_city_admins_city() {
        let city = user(Role::CityAdmin, Some("140100"));
        assert_eq!(city.list_city(None).ok(), Some(Some("140100")));
        assert_eq!(city.list_city(Some("140100")).ok(), Some(Some("140100")));
        assert_eq!(
            city.list_city(Some("140200")).map_err(|e| e.code()),
            Err("FORBIDDEN")
        );
        let province = user(Role::ProvinceAdmin, None);
        assert_eq!(province.list_city(None).ok(), Some(None));
        assert_eq!(
            province.list_city(Some("140200")).ok(),
            Some(Some("140200"))
        );
        assert_eq!(
            user(Role::Consultancy, None)
                .list_city(None)
                .map_err(|e| e.code()),
            Err("FORBIDDEN")
        );
        let cityless = user(Role::CityAdmin, None);
        assert_eq!(
            cityless.list_city(None).map_err(|e| e.code()),
            Err("FORBIDDEN")
        );
        assert_eq!(
            cityless.require_city("140100").map_err(|e| e.code()),
            Err("FORBIDDEN")
        );
    }

    fn county_admin(city: &str, county: &str) -> Viewer {
        Viewer::User(Principal {
            user_id: Uuid::now_v7(),
            username: "c".into(),
            role: Role::CountyAdmin,
            city_code: Some(city.to_owned()),
            county: Some(county.to_owned()),
            expert_id: None,
            consultancy_id: None,
            enterprise_id: None,
        })
    }

    #[test]
    fn county_admins_are_officials_of_their_county_only() {
        let v = county_admin("140100", "小店区");
        assert!(v.require_official().is_ok());
        assert!(v.is_county_admin_of("140100", Some("小店区")));
        assert!(!v.is_county_admin_of("140100", Some("迎泽区")));
        assert!(!v.is_county_admin_of("140200", Some("小店区")));
        assert!(!v.is_county_admin_of("140100", None));
        // Not an administrator of the city: every city-wide operation stays closed.
        assert_eq!(v.require_admin().map_err(|e| e.code()), Err("FORBIDDEN"));
        assert_eq!(
            v.require_city("140100").map_err(|e| e.code()),
            Err("FORBIDDEN")
        );
        assert_eq!(v.list_city(None).map_err(|e| e.code()), Err("FORBIDDEN"));
        let city = user(Role::CityAdmin, Some("140100"));
        assert!(!city.is_county_admin_of("140100", Some("小店区")));
        assert_eq!(city.county_scope(), None);
        assert_eq!(
            user(Role::Expert, None)
                .require_official()
                .map_err(|e| e.code()),
            Err("FORBIDDEN")
        );
    }
}
