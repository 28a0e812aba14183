namespace CoreAgent.Engine.Tests.Parsers;

/// <summary>
/// Test definitions with the same entries as parsers most users load (Fluent Bit's conf/parsers.conf),
/// typed in as test data: only the ones the tests need.
/// </summary>
internal static class StandardParsers
{
    public static readonly (string, string)[] Apache2 =
    [
        ("Name", "apache2"), ("Format", "regex"),
        ("Regex", """^(?<host>[^ ]*) [^ ]* (?<user>[^ ]*) \[(?<time>[^\]]*)\] "(?<method>\S+)(?: +(?<path>[^ ]*) +\S*)?" (?<code>[^ ]*) (?<size>[^ ]*)(?: "(?<referer>[^\"]*)" "(?<agent>.*)")?$"""),
        ("Time_Key", "time"), ("Time_Format", "%d/%b/%Y:%H:%M:%S %z"),
    ];

    public static readonly (string, string)[] Nginx =
    [
        ("Name", "nginx"), ("Format", "regex"),
        ("Regex", """^(?<remote>[^ ]*) (?<host>[^ ]*) (?<user>[^ ]*) \[(?<time>[^\]]*)\] "(?<method>\S+)(?: +(?<path>[^\"]*?)(?: +\S*)?)?" (?<code>[^ ]*) (?<size>[^ ]*)(?: "(?<referer>[^\"]*)" "(?<agent>[^\"]*)")"""),
        ("Time_Key", "time"), ("Time_Format", "%d/%b/%Y:%H:%M:%S %z"),
    ];

    public static readonly (string, string)[] Json =
    [
        ("Name", "json"), ("Format", "json"), ("Time_Key", "time"), ("Time_Format", "%d/%b/%Y:%H:%M:%S %z"),
    ];

    public static readonly (string, string)[] Docker =
    [
        ("Name", "docker"), ("Format", "json"), ("Time_Key", "time"), ("Time_Format", "%Y-%m-%dT%H:%M:%S.%L"), ("Time_Keep", "On"),
    ];

    public static readonly (string, string)[] Syslog5424 =
    [
        ("Name", "syslog-rfc5424"), ("Format", "regex"),
        ("Regex", """^\<(?<pri>[0-9]{1,5})\>1 (?<time>[^ ]+) (?<host>[^ ]+) (?<ident>[^ ]+) (?<pid>[-0-9]+) (?<msgid>[^ ]+) (?<extradata>(\[(.*?)\]|-)) (?<message>.+)$"""),
        ("Time_Key", "time"), ("Time_Format", "%Y-%m-%dT%H:%M:%S.%L%z"), ("Time_Keep", "On"),
    ];

    public static readonly (string, string)[] Syslog3164 =
    [
        ("Name", "syslog-rfc3164"), ("Format", "regex"),
        ("Regex", """/^\<(?<pri>[0-9]+)\>(?<time>[^ ]* {1,2}[^ ]* [^ ]*) (?<host>[^ ]*) (?<ident>[a-zA-Z0-9_\/\.\-]*)(?:\[(?<pid>[0-9]+)\])?(?:[^\:]*\:)? *(?<message>.*)$/"""),
        ("Time_Key", "time"), ("Time_Format", "%b %d %H:%M:%S"), ("Time_Keep", "On"),
    ];

    public static readonly (string, string)[] Cri =
    [
        ("Name", "cri"), ("Format", "regex"),
        ("Regex", """^(?<time>[^ ]+) (?<stream>stdout|stderr) (?<logtag>[^ ]*) (?<message>.*)$"""),
        ("Time_Key", "time"), ("Time_Format", "%Y-%m-%dT%H:%M:%S.%L%z"), ("Time_Keep", "On"),
    ];

    public static readonly (string, string)[] Logfmt = [("Name", "logfmt"), ("Format", "logfmt")];

    public static readonly (string, string)[] Mongodb =
    [
        ("Name", "mongodb"), ("Format", "regex"),
        ("Regex", """^(?<time>[^ ]*)\s+(?<severity>\w)\s+(?<component>[^ ]+)\s+\[(?<context>[^\]]+)]\s+(?<message>.*?) *(?<ms>(\d+))?(:?ms)?$"""),
        ("Time_Format", "%Y-%m-%dT%H:%M:%S.%L"), ("Time_Keep", "On"), ("Time_Key", "time"),
    ];
}
