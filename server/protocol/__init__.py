"""The wire models: what the API sends and takes. The only server code clients import.

One module per domain; everything is re-exported here, so `from server import protocol as p`
and `p.Ticket` keep working.
"""

from server.protocol.alerts import (
    ALERT_EVENT_TYPES as ALERT_EVENT_TYPES,
)
from server.protocol.alerts import (
    ALERT_KINDS as ALERT_KINDS,
)
from server.protocol.alerts import (
    Alert as Alert,
)
from server.protocol.alerts import (
    AlertKind as AlertKind,
)
from server.protocol.alerts import (
    AlertSubject as AlertSubject,
)
from server.protocol.alerts import (
    DeviceHeartbeat as DeviceHeartbeat,
)
from server.protocol.alerts import (
    DeviceState as DeviceState,
)
from server.protocol.appointments import (
    APPOINTMENT_EVENT_TYPES as APPOINTMENT_EVENT_TYPES,
)
from server.protocol.appointments import (
    APPOINTMENT_YEARS as APPOINTMENT_YEARS,
)
from server.protocol.appointments import (
    Appointment as Appointment,
)
from server.protocol.appointments import (
    AppointmentCreate as AppointmentCreate,
)
from server.protocol.appointments import (
    AppointmentState as AppointmentState,
)
from server.protocol.appointments import (
    BookableService as BookableService,
)
from server.protocol.appointments import (
    BookingInfo as BookingInfo,
)
from server.protocol.appointments import (
    CheckIn as CheckIn,
)
from server.protocol.appointments import (
    Slot as Slot,
)
from server.protocol.appointments import (
    StaffAppointment as StaffAppointment,
)
from server.protocol.appraisal import (
    ClerkAppraisal as ClerkAppraisal,
)
from server.protocol.appraisal import (
    ClerkComplaints as ClerkComplaints,
)
from server.protocol.appraisal import (
    ClerkRating as ClerkRating,
)
from server.protocol.appraisal import (
    MeanFigure as MeanFigure,
)
from server.protocol.appraisal import (
    RatingOut as RatingOut,
)
from server.protocol.appraisal import (
    ServiceTimes as ServiceTimes,
)
from server.protocol.audit import (
    AuditEntry as AuditEntry,
)
from server.protocol.audit import (
    AuditVerify as AuditVerify,
)
from server.protocol.auth import (
    DeviceCreate as DeviceCreate,
)
from server.protocol.auth import (
    DeviceOut as DeviceOut,
)
from server.protocol.auth import (
    LoginRequest as LoginRequest,
)
from server.protocol.auth import (
    LoginResponse as LoginResponse,
)
from server.protocol.auth import (
    Me as Me,
)
from server.protocol.auth import (
    UserCreate as UserCreate,
)
from server.protocol.auth import (
    UserOut as UserOut,
)
from server.protocol.auth import (
    UserPatch as UserPatch,
)
from server.protocol.common import (
    EVENT_TYPES as EVENT_TYPES,
)
from server.protocol.common import (
    LOCALES as LOCALES,
)
from server.protocol.common import (
    Channel as Channel,
)
from server.protocol.common import (
    CounterState as CounterState,
)
from server.protocol.common import (
    DeviceKind as DeviceKind,
)
from server.protocol.common import (
    ErrorBody as ErrorBody,
)
from server.protocol.common import (
    Health as Health,
)
from server.protocol.common import (
    Id as Id,
)
from server.protocol.common import (
    Locale as Locale,
)
from server.protocol.common import (
    Names as Names,
)
from server.protocol.common import (
    Priority as Priority,
)
from server.protocol.common import (
    QueuePosition as QueuePosition,
)
from server.protocol.common import (
    Request as Request,
)
from server.protocol.common import (
    Role as Role,
)
from server.protocol.common import (
    TicketStateName as TicketStateName,
)
from server.protocol.complaints import (
    Complaint as Complaint,
)
from server.protocol.complaints import (
    ComplaintCategory as ComplaintCategory,
)
from server.protocol.complaints import (
    ComplaintChange as ComplaintChange,
)
from server.protocol.complaints import (
    ComplaintChannel as ComplaintChannel,
)
from server.protocol.complaints import (
    ComplaintCreate as ComplaintCreate,
)
from server.protocol.complaints import (
    ComplaintDetail as ComplaintDetail,
)
from server.protocol.complaints import (
    ComplaintReceipt as ComplaintReceipt,
)
from server.protocol.complaints import (
    ComplaintState as ComplaintState,
)
from server.protocol.complaints import (
    ComplaintUpdate as ComplaintUpdate,
)
from server.protocol.complaints import (
    FollowUp as FollowUp,
)
from server.protocol.complaints import (
    FollowUpCreate as FollowUpCreate,
)
from server.protocol.complaints import (
    FollowUpReason as FollowUpReason,
)
from server.protocol.complaints import (
    FollowUpState as FollowUpState,
)
from server.protocol.complaints import (
    FollowUpUpdate as FollowUpUpdate,
)
from server.protocol.complaints import (
    PublicComplaintCreate as PublicComplaintCreate,
)
from server.protocol.counters import (
    CallNextRequest as CallNextRequest,
)
from server.protocol.counters import (
    CallRequest as CallRequest,
)
from server.protocol.counters import (
    CompleteRequest as CompleteRequest,
)
from server.protocol.counters import (
    CounterActionResult as CounterActionResult,
)
from server.protocol.counters import (
    PauseRequest as PauseRequest,
)
from server.protocol.counters import (
    ResumeRequest as ResumeRequest,
)
from server.protocol.counters import (
    TransferRequest as TransferRequest,
)
from server.protocol.halls import (
    HHMM as HHMM,
)
from server.protocol.halls import (
    Branch as Branch,
)
from server.protocol.halls import (
    BranchCreate as BranchCreate,
)
from server.protocol.halls import (
    BranchDetail as BranchDetail,
)
from server.protocol.halls import (
    BranchPatch as BranchPatch,
)
from server.protocol.halls import (
    BranchSettings as BranchSettings,
)
from server.protocol.halls import (
    Counter as Counter,
)
from server.protocol.halls import (
    CounterCreate as CounterCreate,
)
from server.protocol.halls import (
    CounterPatch as CounterPatch,
)
from server.protocol.halls import (
    Service as Service,
)
from server.protocol.halls import (
    ServiceCreate as ServiceCreate,
)
from server.protocol.halls import (
    ServicePatch as ServicePatch,
)
from server.protocol.printing import (
    Kiosk as Kiosk,
)
from server.protocol.printing import (
    Paper as Paper,
)
from server.protocol.printing import (
    PrinterStatus as PrinterStatus,
)
from server.protocol.printing import (
    PrinterStatusReport as PrinterStatusReport,
)
from server.protocol.printing import (
    PrintJob as PrintJob,
)
from server.protocol.printing import (
    PrintJobState as PrintJobState,
)
from server.protocol.printing import (
    PrintResult as PrintResult,
)
from server.protocol.printing import (
    ReprintRequest as ReprintRequest,
)
from server.protocol.public import (
    PublicBranch as PublicBranch,
)
from server.protocol.public import (
    PublicService as PublicService,
)
from server.protocol.regions import (
    ChecklistItem as ChecklistItem,
)
from server.protocol.regions import (
    Inspection as Inspection,
)
from server.protocol.regions import (
    InspectionCreate as InspectionCreate,
)
from server.protocol.regions import (
    OverviewTile as OverviewTile,
)
from server.protocol.regions import (
    Region as Region,
)
from server.protocol.regions import (
    RegionCreate as RegionCreate,
)
from server.protocol.regions import (
    RegionPatch as RegionPatch,
)
from server.protocol.regions import (
    RegionSettings as RegionSettings,
)
from server.protocol.results import (
    PublishedCounter as PublishedCounter,
)
from server.protocol.results import (
    PublishedFigures as PublishedFigures,
)
from server.protocol.results import (
    PublishedRating as PublishedRating,
)
from server.protocol.results import (
    PublishedResults as PublishedResults,
)
from server.protocol.results import (
    PublishedService as PublishedService,
)
from server.protocol.results import (
    PublishResults as PublishResults,
)
from server.protocol.stats import (
    AppointmentFigures as AppointmentFigures,
)
from server.protocol.stats import (
    EstimateAccuracy as EstimateAccuracy,
)
from server.protocol.stats import (
    EstimateFigures as EstimateFigures,
)
from server.protocol.stats import (
    EstimateGroup as EstimateGroup,
)
from server.protocol.stats import (
    EstimateHour as EstimateHour,
)
from server.protocol.stats import (
    EstimateService as EstimateService,
)
from server.protocol.stats import (
    RatingFigures as RatingFigures,
)
from server.protocol.stats import (
    ServiceFigures as ServiceFigures,
)
from server.protocol.stats import (
    StatsBucket as StatsBucket,
)
from server.protocol.stats import (
    StatsGroup as StatsGroup,
)
from server.protocol.stats import (
    StatsRow as StatsRow,
)
from server.protocol.stats import (
    StatsSummary as StatsSummary,
)
from server.protocol.stats import (
    WaitFigures as WaitFigures,
)
from server.protocol.stream import (
    Event as Event,
)
from server.protocol.stream import (
    QueueCounter as QueueCounter,
)
from server.protocol.stream import (
    QueueService as QueueService,
)
from server.protocol.stream import (
    QueueTicketRef as QueueTicketRef,
)
from server.protocol.stream import (
    QueueView as QueueView,
)
from server.protocol.stream import (
    RecentCall as RecentCall,
)
from server.protocol.tickets import (
    CounterRef as CounterRef,
)
from server.protocol.tickets import (
    PublicTicket as PublicTicket,
)
from server.protocol.tickets import (
    RatingRequest as RatingRequest,
)
from server.protocol.tickets import (
    RequeueRequest as RequeueRequest,
)
from server.protocol.tickets import (
    Ticket as Ticket,
)
from server.protocol.tickets import (
    TicketCreate as TicketCreate,
)
from server.protocol.webhooks import (
    Webhook as Webhook,
)
from server.protocol.webhooks import (
    WebhookCreate as WebhookCreate,
)
from server.protocol.webhooks import (
    WebhookDelivery as WebhookDelivery,
)
from server.protocol.webhooks import (
    WebhookFormat as WebhookFormat,
)
from server.protocol.webhooks import (
    WebhookPatch as WebhookPatch,
)
