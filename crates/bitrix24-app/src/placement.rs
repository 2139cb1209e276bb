//! Placements: the codes from the docs' placement list
//! (`api-reference/widgets/placements.md`) and the request a placement
//! handler (or the application's main page, or its install URL) receives.

use std::fmt;

use bitrix24_runtime::{Secret, Tokens};
use serde_json::{Map, Value};

use crate::form::{self, BodyError, Format, Limits};

macro_rules! codes {
    ($name:ident { $($variant:ident = $code:literal,)* }) => {
        /// A placement code as Bitrix24 sends it in `PLACEMENT`.
        ///
        /// The fixed codes of the docs' list are variants; the CRM codes
        /// made from a template (`CRM_DEAL_DETAIL_TAB`,
        /// `CRM_DYNAMIC_183_DETAIL_TAB`) are [`Placement::Crm`]; any other
        /// code is kept as [`Placement::Unknown`].
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $(#[doc = concat!("`", $code, "`")] $variant,)*
            /// `CRM_<ENTITY>_<SLOT>`: a CRM placement for one entity type.
            Crm {
                /// The entity type in the code.
                entity: CrmEntity,
                /// Where in the interface.
                slot: CrmSlot,
            },
            /// A code not in the docs' list, as sent.
            Unknown(String),
        }

        impl $name {
            /// The code as sent.
            pub fn as_str(&self) -> std::borrow::Cow<'_, str> {
                match self {
                    $($name::$variant => $code.into(),)*
                    $name::Crm { entity, slot } => format!("CRM_{}_{}", entity.as_str(), slot.as_str()).into(),
                    $name::Unknown(s) => s.as_str().into(),
                }
            }

            /// Reads a code; never fails.
            pub fn parse(code: &str) -> Self {
                match code {
                    $($code => $name::$variant,)*
                    _ => crm(code).unwrap_or_else(|| $name::Unknown(code.to_owned())),
                }
            }
        }
    };
}

codes!(Placement {
    Default = "DEFAULT",
    BiAnalyticsMenu = "BI_ANALYTICS_MENU",
    CalendarGridview = "CALENDAR_GRIDVIEW",
    CallCard = "CALL_CARD",
    ContactCenter = "CONTACT_CENTER",
    CrmAnalyticsMenu = "CRM_ANALYTICS_MENU",
    CrmAnalyticsToolbar = "CRM_ANALYTICS_TOOLBAR",
    CrmBankDetailAutocomplete = "CRM_BANK_DETAIL_AUTOCOMPLETE",
    CrmDetailSearch = "CRM_DETAIL_SEARCH",
    CrmFunnelsToolbar = "CRM_FUNNELS_TOOLBAR",
    CrmRequisiteAutocomplete = "CRM_REQUISITE_AUTOCOMPLETE",
    ImContextMenu = "IM_CONTEXT_MENU",
    ImNavigation = "IM_NAVIGATION",
    ImSidebar = "IM_SIDEBAR",
    ImSmilesSelector = "IM_SMILES_SELECTOR",
    ImTextarea = "IM_TEXTAREA",
    ImmobileContextMenu = "IMMOBILE_CONTEXT_MENU",
    LeftMenu = "LEFT_MENU",
    PageBackgroundWorker = "PAGE_BACKGROUND_WORKER",
    RestAppUri = "REST_APP_URI",
    SettingConnector = "SETTING_CONNECTOR",
    SonetGroupDetailTab = "SONET_GROUP_DETAIL_TAB",
    SonetGroupRobotDesignerToolbar = "SONET_GROUP_ROBOT_DESIGNER_TOOLBAR",
    SonetGroupToolbar = "SONET_GROUP_TOOLBAR",
    TaskGroupListToolbar = "TASK_GROUP_LIST_TOOLBAR",
    TaskListContextMenu = "TASK_LIST_CONTEXT_MENU",
    TaskRobotDesignerToolbar = "TASK_ROBOT_DESIGNER_TOOLBAR",
    TaskUserListToolbar = "TASK_USER_LIST_TOOLBAR",
    TaskViewSidebar = "TASK_VIEW_SIDEBAR",
    TaskViewTab = "TASK_VIEW_TAB",
    TaskViewTopPanel = "TASK_VIEW_TOP_PANEL",
    TelephonyAnalyticsMenu = "TELEPHONY_ANALYTICS_MENU",
    UserfieldType = "USERFIELD_TYPE",
    UserProfileMenu = "USER_PROFILE_MENU",
    UserProfileToolbar = "USER_PROFILE_TOOLBAR",
});

impl fmt::Display for Placement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_str())
    }
}

/// The entity type in a `CRM_<ENTITY>_<SLOT>` code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CrmEntity {
    /// `LEAD`
    Lead,
    /// `DEAL`
    Deal,
    /// `CONTACT`
    Contact,
    /// `COMPANY`
    Company,
    /// `QUOTE`
    Quote,
    /// `SMART_INVOICE`
    SmartInvoice,
    /// `ORDER`
    Order,
    /// `ACTIVITY`
    Activity,
    /// `DYNAMIC_<id>`: a custom entity type.
    Dynamic(u32),
}

impl CrmEntity {
    fn as_str(&self) -> std::borrow::Cow<'static, str> {
        match self {
            CrmEntity::Lead => "LEAD".into(),
            CrmEntity::Deal => "DEAL".into(),
            CrmEntity::Contact => "CONTACT".into(),
            CrmEntity::Company => "COMPANY".into(),
            CrmEntity::Quote => "QUOTE".into(),
            CrmEntity::SmartInvoice => "SMART_INVOICE".into(),
            CrmEntity::Order => "ORDER".into(),
            CrmEntity::Activity => "ACTIVITY".into(),
            CrmEntity::Dynamic(n) => format!("DYNAMIC_{n}").into(),
        }
    }
}

/// The slot in a `CRM_<ENTITY>_<SLOT>` code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CrmSlot {
    /// `ACTIVITY_TIMELINE_MENU`
    ActivityTimelineMenu,
    /// `DETAIL_ACTIVITY`
    DetailActivity,
    /// `DETAIL_TAB`
    DetailTab,
    /// `DETAIL_TOOLBAR`
    DetailToolbar,
    /// `DOCUMENTGENERATOR_BUTTON`
    DocumentgeneratorButton,
    /// `LIST_MENU`
    ListMenu,
    /// `LIST_TOOLBAR`
    ListToolbar,
    /// `ROBOT_DESIGNER_TOOLBAR`
    RobotDesignerToolbar,
    /// `FUNNELS_TOOLBAR` (new invoices and custom types; deals use
    /// [`Placement::CrmFunnelsToolbar`])
    FunnelsToolbar,
}

const SLOTS: [(&str, CrmSlot); 9] = [
    ("ACTIVITY_TIMELINE_MENU", CrmSlot::ActivityTimelineMenu),
    ("DETAIL_ACTIVITY", CrmSlot::DetailActivity),
    ("DETAIL_TAB", CrmSlot::DetailTab),
    ("DETAIL_TOOLBAR", CrmSlot::DetailToolbar),
    ("DOCUMENTGENERATOR_BUTTON", CrmSlot::DocumentgeneratorButton),
    ("LIST_MENU", CrmSlot::ListMenu),
    ("LIST_TOOLBAR", CrmSlot::ListToolbar),
    ("ROBOT_DESIGNER_TOOLBAR", CrmSlot::RobotDesignerToolbar),
    ("FUNNELS_TOOLBAR", CrmSlot::FunnelsToolbar),
];

impl CrmSlot {
    fn as_str(&self) -> &'static str {
        SLOTS.iter().find(|(_, s)| s == self).map_or("", |(n, _)| n)
    }
}

fn crm(code: &str) -> Option<Placement> {
    let rest = code.strip_prefix("CRM_")?;
    let (entity_text, slot) = SLOTS
        .iter()
        .find_map(|(name, slot)| Some((rest.strip_suffix(name)?.strip_suffix('_')?, *slot)))?;
    let entity = match entity_text {
        "LEAD" => CrmEntity::Lead,
        "DEAL" => CrmEntity::Deal,
        "CONTACT" => CrmEntity::Contact,
        "COMPANY" => CrmEntity::Company,
        "QUOTE" => CrmEntity::Quote,
        "SMART_INVOICE" => CrmEntity::SmartInvoice,
        "ORDER" => CrmEntity::Order,
        "ACTIVITY" => CrmEntity::Activity,
        d => {
            let n = d.strip_prefix("DYNAMIC_")?;
            if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) || n.starts_with('0') {
                return None;
            }
            CrmEntity::Dynamic(n.parse().ok()?)
        }
    };
    Some(Placement::Crm { entity, slot })
}

/// Why a placement or install request could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// The body (or query) was refused.
    #[error("request refused: {0}")]
    Body(#[from] BodyError),
    /// A required field is missing or empty.
    #[error("the request has no {0}")]
    Missing(&'static str),
    /// A field has the wrong form.
    #[error("{field}: {message}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
}

/// What Bitrix24 posts when it opens the application in a frame: its main
/// page (`PLACEMENT=DEFAULT`), a placement, or the install URL of a local
/// application. `DOMAIN`, `PROTOCOL`, `LANG` and `APP_SID` usually come in
/// the query string, the rest in the form body; both are read.
#[derive(Clone)]
#[non_exhaustive]
pub struct PlacementRequest {
    /// `PLACEMENT`, `DEFAULT` when absent.
    pub placement: Placement,
    /// `PLACEMENT_OPTIONS`, a JSON object sent as a string; empty when
    /// absent or not an object.
    pub options: Map<String, Value>,
    /// `DOMAIN`
    pub domain: String,
    /// `PROTOCOL`: `true` for HTTPS (`1`), `false` for HTTP (`0`).
    pub https: bool,
    /// `LANG`
    pub lang: Option<String>,
    /// `APP_SID`, the frame's session ID.
    pub app_sid: Option<String>,
    /// `AUTH_ID`: the user's access token.
    pub auth_id: Secret,
    /// `AUTH_EXPIRES`, seconds.
    pub auth_expires: Option<i64>,
    /// `REFRESH_ID`: the user's refresh token.
    pub refresh_id: Option<Secret>,
    /// `member_id`
    pub member_id: String,
    /// `status`: `L`, `F`, `D`, `T` or `P`.
    pub status: Option<String>,
    /// Every other field.
    pub extra: Map<String, Value>,
}

impl fmt::Debug for PlacementRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlacementRequest")
            .field("placement", &self.placement)
            .field("options", &self.options)
            .field("domain", &self.domain)
            .field("member_id", &self.member_id)
            .field("lang", &self.lang)
            .field("status", &self.status)
            .field("auth_id", &self.auth_id)
            .finish_non_exhaustive()
    }
}

impl PlacementRequest {
    /// Reads the request from its query string and body.
    pub fn decode(
        query: Option<&str>,
        body: &[u8],
        content_type: Option<&str>,
        limits: &Limits,
    ) -> Result<PlacementRequest, RequestError> {
        let mut map = match query {
            Some(q) => form::parse_form(q.as_bytes(), limits)?,
            None => Map::new(),
        };
        let format = Format::from_content_type(content_type)?;
        if !body.is_empty() {
            map.extend(form::decode(body, format, limits)?);
        }
        Self::from_map(map)
    }

    /// The request from already decoded fields.
    pub fn from_map(mut map: Map<String, Value>) -> Result<PlacementRequest, RequestError> {
        let mut text = |k: &str| match map.remove(k) {
            Some(Value::String(s)) if !s.is_empty() => Some(s),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        let placement = text("PLACEMENT").map_or(Placement::Default, |p| Placement::parse(&p));
        let options_text = text("PLACEMENT_OPTIONS");
        let domain = text("DOMAIN").ok_or(RequestError::Missing("DOMAIN"))?;
        let https = text("PROTOCOL").as_deref() != Some("0");
        let lang = text("LANG");
        let app_sid = text("APP_SID");
        let auth_id = text("AUTH_ID").ok_or(RequestError::Missing("AUTH_ID"))?;
        let auth_expires = text("AUTH_EXPIRES").and_then(|s| s.parse().ok());
        let refresh_id = text("REFRESH_ID").map(Secret::new);
        let member_id = text("member_id").ok_or(RequestError::Missing("member_id"))?;
        let status = text("status");
        if domain.len() > 253 || domain.contains(['/', '?', '#', '@', ' ']) {
            return Err(RequestError::Invalid {
                field: "DOMAIN",
                message: "not a host name".into(),
            });
        }
        let options = match options_text {
            None => Map::new(),
            Some(s) => match serde_json::from_str::<Value>(&s) {
                Ok(Value::Object(m)) => m,
                // An empty list (`[]`) is how PHP writes no options.
                Ok(Value::Array(a)) if a.is_empty() => Map::new(),
                Ok(_) | Err(_) => {
                    return Err(RequestError::Invalid {
                        field: "PLACEMENT_OPTIONS",
                        message: "not a JSON object".into(),
                    })
                }
            },
        };
        Ok(PlacementRequest {
            placement,
            options,
            domain,
            https,
            lang,
            app_sid,
            auth_id: Secret::new(auth_id),
            auth_expires,
            refresh_id,
            member_id,
            status,
            extra: map,
        })
    }

    /// The portal's REST address, `https://<DOMAIN>/rest/`.
    pub fn client_endpoint(&self) -> String {
        let scheme = if self.https { "https" } else { "http" };
        format!("{scheme}://{}/rest/", self.domain)
    }

    /// The user's token pair, when the request carries a refresh token.
    pub fn tokens(&self) -> Option<Tokens> {
        let refresh = self.refresh_id.clone()?;
        let mut t = Tokens::new(self.auth_id.clone(), refresh, self.client_endpoint());
        t.expires = self.auth_expires.map(|s| now() + s);
        Some(t)
    }
}

pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for code in [
            "DEFAULT",
            "CRM_DEAL_DETAIL_TAB",
            "CRM_DYNAMIC_183_DETAIL_TAB",
            "CRM_SMART_INVOICE_FUNNELS_TOOLBAR",
            "CRM_FUNNELS_TOOLBAR",
            "TASK_VIEW_TAB",
            "SOMETHING_NEW",
            "CRM_DYNAMIC__DETAIL_TAB",
        ] {
            assert_eq!(Placement::parse(code).as_str(), code);
        }
        assert_eq!(
            Placement::parse("CRM_DYNAMIC_183_DETAIL_TAB"),
            Placement::Crm {
                entity: CrmEntity::Dynamic(183),
                slot: CrmSlot::DetailTab
            }
        );
        assert!(matches!(
            Placement::parse("CRM_DYNAMIC_x_DETAIL_TAB"),
            Placement::Unknown(_)
        ));
    }

    #[test]
    fn request_decodes() {
        let r = PlacementRequest::decode(
            Some("DOMAIN=p.example&PROTOCOL=1&LANG=en&APP_SID=s1"),
            b"AUTH_ID=acc-SECRET&AUTH_EXPIRES=3600&REFRESH_ID=ref-SECRET&member_id=m1&status=L\
              &PLACEMENT=CRM_DEAL_DETAIL_TAB&PLACEMENT_OPTIONS=%7B%22ID%22%3A%2242%22%7D",
            Some("application/x-www-form-urlencoded"),
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(r.options["ID"], "42");
        assert_eq!(r.client_endpoint(), "https://p.example/rest/");
        let printed = format!("{r:?}");
        assert!(!printed.contains("SECRET"), "{printed}");
        assert!(PlacementRequest::decode(None, b"DOMAIN=x", None, &Limits::default()).is_err());
    }
}
