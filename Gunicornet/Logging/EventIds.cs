namespace Gunicornet.Logging;

/// <summary>
/// Every event id of the error log, in one table so that each is unique: a block per part of the
/// server. A new <c>[LoggerMessage]</c> takes its id from here.
/// </summary>
internal static class EventIds
{
    // the master (MasterProcess)
    public const int Starting = 1;
    public const int Listening = 2;
    public const int UsingWorker = 3;
    public const int StartError = 4;
    public const int ShuttingDown = 5;
    public const int Reason = 6;
    public const int ListenersFrom = 7;
    public const int BindsKept = 8;
    public const int MasterProcessReopened = 9;
    public const int ReopenFailed = 10;
    public const int SnapshotTaken = 11;
    public const int StaleSnapshots = 12;
    public const int ConfigWarning = 13;
    public const int StoppedListening = 14;

    // the arbiter (Arbiter)
    public const int RequestTimeout = 100;
    public const int ControlCommand = 101;
    public const int BootingWorker = 102;
    public const int WorkerReady = 103;
    public const int HandlingSignal = 104;
    public const int SignalNotSupported = 105;
    public const int WorkerLeaving = 106;
    public const int WorkerSigkill = 107;
    public const int WorkerSignalled = 108;
    public const int WorkerExitCode = 109;
    public const int WorkerExitedUnasked = 110;
    public const int WorkerCount = 111;
    public const int KillingOverdue = 112;
    public const int SpawnFailed = 113;
    public const int SignalFailed = 114;
    public const int WorkerTimeout = 115;
    public const int BootTimeout = 116;
    public const int MaxRequests = 117;
    public const int CrashLoop = 118;
    public const int Retiring = 119;
    public const int Reloading = 120;
    public const int Reloaded = 121;
    public const int ReloadRefused = 122;
    public const int ReloadFailed = 123;
    public const int LoopError = 124;
    public const int MaxMemory = 125;
    public const int OverMemoryAtBoot = 126;
    public const int MaxLifetime = 127;

    // the binary upgrade (USR2) (BinaryUpgrade)
    public const int BinaryUpgradeStarted = 200;
    public const int AlreadyRunning = 201;
    public const int Failed = 202;
    public const int Exited = 203;

    // the control socket (ControlServer)
    public const int ControlSocket = 220;
    public const int InUse = 221;
    public const int CannotBind = 222;
    public const int Kill = 223;

    // the metrics endpoint (MetricsServer)
    public const int MetricsServing = 250;

    // --reload (CodeWatcher)
    public const int Watching = 240;

    // a worker (WorkerHost)
    public const int NoBalancing = 300;
    public const int AccessLogReopened = 301;
    public const int AccessLogReopenFailed = 302;
    public const int ErrorLogReopenFailed = 303;
    public const int AppLoadErrorLine = 304;
    public const int AppExceptionLine = 305;
    public const int BootErrorLine = 306;
    public const int WorkerCrashed = 307;
    public const int Exiting = 308;
    public const int ParentChanged = 309;
    public const int Draining = 310;
    public const int WorkerHostReopened = 311;
    public const int WorkerHostStarted = 312;
    public const int AccessLogFailure = 313;

    // a worker's services (WorkerServices)
    public const int IgnoringEndpoints = 340;
    public const int IgnoringConfiguredEndpoints = 341;
    public const int UnknownProtocols = 342;

    // a worker's start (WorkerMain)
    public const int BootFailed = 360;

    // a worker's Data Protection keys (DataProtectionKeys)
    public const int SharedKeys = 370;

    // a worker's server (AddressIgnoringServer)
    public const int IgnoringAddresses = 380;

    // a worker's connection layer (ProxyProtocol)
    public const int ProxyHeaderRefused = 390;

    // a worker's connection layer (StrictHttp)
    public const int HttpRequestRefused = 391;
}
