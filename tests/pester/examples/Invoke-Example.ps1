# Runs one documentation example as a user would type it, in this (fresh) pwsh: the module is
# imported, the working directory is the caller's. Everything the example writes (all streams) is
# printed as the console would print it (250 columns wide, so tables are not cut); the messages of the errors it wrote or threw go, as JSON,
# to -ErrorFile. An example made of Describe blocks is a Pester test file: it runs through
# Invoke-Pester, and every failed test is an error.
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $PesterPath,
    [Parameter(Mandatory)] [string] $CodeFile,
    [Parameter(Mandatory)] [string] $ErrorFile
)
$PSStyle.OutputRendering = 'PlainText'
Import-Module $ModulePath
$code = Get-Content -LiteralPath $CodeFile -Raw
$errors = [System.Collections.Generic.List[string]]::new()

if ($code -match '(?m)^\s*Describe\s') {
    Import-Module $PesterPath
    $file = Join-Path (Get-Location) 'Example.Tests.ps1'
    Set-Content -LiteralPath $file -Value $code
    $result = Invoke-Pester -Path $file -PassThru -Output Detailed
    foreach ($test in $result.Failed) { $errors.Add("Pester test '$($test.ExpandedName)' failed: $($test.ErrorRecord)") }
    if ($result.Result -ne 'Passed' -and $errors.Count -eq 0) { $errors.Add("Invoke-Pester: $($result.Result)") }
}
else {
    try {
        . ([scriptblock]::Create($code)) *>&1 | ForEach-Object {
            if ($_ -is [System.Management.Automation.ErrorRecord]) { $errors.Add($_.ToString()); $_ }
            # The prefixes the console gives these streams (Out-String does not).
            elseif ($_ -is [System.Management.Automation.VerboseRecord]) { "VERBOSE: $($_.Message)" }
            elseif ($_ -is [System.Management.Automation.WarningRecord]) { "WARNING: $($_.Message)" }
            elseif ($_ -is [System.Management.Automation.DebugRecord]) { "DEBUG: $($_.Message)" }
            else { $_ }
        } | Out-String -Stream -Width 250 | ForEach-Object { [Console]::Out.WriteLine($_) }
    }
    catch {
        $errors.Add($_.ToString())
        $_ | Out-String -Width 250 | ForEach-Object { [Console]::Out.WriteLine($_) }
    }
}
ConvertTo-Json -InputObject @($errors) | Set-Content -LiteralPath $ErrorFile
