// Everything the app needs in Azure, for `azd up`: a Flex Consumption Function App with a user-assigned
// identity, its storage, the Durable Task Scheduler, Azure OpenAI, Key Vault and monitoring. No keys or
// connection strings with secrets anywhere: every service is reached with the app's identity.
// Values come from main.parameters.json, which maps azd environment values (azd env set NAME value).
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; names the resource group and seeds every resource name.')
param environmentName string

// Where both the Flex Consumption plan and the Durable Task Scheduler are offered (the Flex Consumption list of
// Azure-Samples/functions-quickstart-python-http-azd, intersected with the regions of the Durable Task Scheduler
// samples in Azure-Samples/Durable-Task-Scheduler; `az functionapp list-flexconsumption-locations` and
// `az provider show -n Microsoft.DurableTask --query "resourceTypes[?resourceType=='schedulers'].locations"` give
// today's lists). azd offers only those of them where the subscription has quota for the default model deployment
// (usageName: OpenAI.<deployment type>.<model>,<capacity>, as in main.parameters.json), since Azure OpenAI goes
// to the same region unless AZURE_OPENAI_LOCATION says otherwise.
@minLength(1)
@description('Region of every resource (and of Azure OpenAI unless AZURE_OPENAI_LOCATION is set).')
@allowed([
  'australiaeast'
  'centralus'
  'eastasia'
  'eastus'
  'eastus2'
  'northcentralus'
  'northeurope'
  'southcentralus'
  'southeastasia'
  'swedencentral'
  'uksouth'
  'westus2'
])
@metadata({
  azd: {
    type: 'location'
    usageName: [
      'OpenAI.GlobalStandard.gpt-5-mini,50'
    ]
  }
})
param location string

@description('Object id of who runs azd; gets Durable Task Data Contributor to open the scheduler dashboard. Empty: nobody.')
param principalId string = ''

@allowed(['User', 'Group', 'ServicePrincipal'])
param principalType string

@allowed(['Consumption', 'Dedicated'])
@description('Durable Task Scheduler SKU: Consumption (pay per use) or Dedicated (reserved capacity units).')
param schedulerSku string

@minValue(1)
@description('Capacity units of a Dedicated scheduler (ignored for Consumption).')
param schedulerCapacity int

@minLength(3)
@maxLength(64)
param taskHubName string

@description('Create Azure OpenAI and a model deployment. false: the app runs with its offline model.')
param deployOpenAi bool

@description('Region of Azure OpenAI, where the model and its quota are offered.')
param openAiLocation string

param openAiModelName string
param openAiModelVersion string
param openAiDeploymentSku string

@minValue(1)
@description('Rate limit of the model deployment, in thousands of tokens per minute.')
param openAiCapacity int

@minValue(1)
param modelTimeoutSeconds int

@minValue(256)
param modelMaxOutputTokens int

@minLength(3)
@maxLength(63)
@description('Blob container for quarantined mail, published content and the idempotency ledger.')
param contentContainer string

@secure()
@description('Signs the links in review mails (REVIEW_LINK_KEY), kept in Key Vault; see docs/review.md to rotate it.')
param reviewLinkKey string

@description('SMTP server; empty: mail is written to the instance\'s local outbox (lost on scale-in).')
param smtpHost string = ''
param smtpPort string = ''
param smtpUsername string = ''
@secure()
@description('Kept in Key Vault; the app setting is a Key Vault reference.')
param smtpPassword string = ''
@description('auto (STARTTLS when offered), starttls, ssl or none; empty: auto.')
param smtpSecurity string = ''
param mailFrom string = ''
param reviewerEmail string = ''
param escalationEmail string = ''
@description('Base of the decision links in reviewer mail when the app sits behind a proxy or custom domain.')
param publicBaseUrl string = ''

@minValue(1)
@maxValue(1000)
param functionMaxInstances int

@allowed([512, 2048, 4096])
param functionInstanceMemoryMB int

var token = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  scope: rg
  name: 'identity'
  params: {
    name: 'id-${token}'
    location: location
    tags: tags
  }
}

module monitoring 'app/monitoring.bicep' = {
  scope: rg
  name: 'monitoring'
  params: {
    logAnalyticsName: 'log-${token}'
    applicationInsightsName: 'appi-${token}'
    location: location
    tags: tags
    appPrincipalId: identity.outputs.principalId
  }
}

module storage 'app/storage.bicep' = {
  scope: rg
  name: 'storage'
  params: {
    name: 'st${token}'
    location: location
    tags: tags
    deploymentContainerName: 'app-package'
    contentContainerName: contentContainer
    appPrincipalId: identity.outputs.principalId
  }
}

module scheduler 'app/scheduler.bicep' = {
  scope: rg
  name: 'scheduler'
  params: {
    name: 'dts-${token}'
    taskHubName: taskHubName
    location: location
    tags: tags
    skuName: schedulerSku
    capacity: schedulerCapacity
    appPrincipalId: identity.outputs.principalId
    userPrincipalId: principalId
    userPrincipalType: principalType
  }
}

module openAi 'app/openai.bicep' = if (deployOpenAi) {
  scope: rg
  name: 'openai'
  params: {
    name: 'oai-${token}'
    location: openAiLocation
    tags: tags
    modelName: openAiModelName
    modelVersion: openAiModelVersion
    deploymentSkuName: openAiDeploymentSku
    capacity: openAiCapacity
    appPrincipalId: identity.outputs.principalId
  }
}

module keyVault 'app/keyvault.bicep' = {
  scope: rg
  name: 'keyvault'
  params: {
    name: 'kv-${token}'
    location: location
    tags: tags
    smtpPassword: smtpPassword
    reviewLinkKey: reviewLinkKey
    storeSmtpPassword: !empty(smtpPassword)
    appPrincipalId: identity.outputs.principalId
  }
}

// Without Azure OpenAI settings the app uses its offline model.
var openAiSettings = deployOpenAi ? {
  AZURE_OPENAI_ENDPOINT: openAi!.outputs.endpoint
  AZURE_OPENAI_MODEL: openAi!.outputs.deploymentName
} : {}

// Every app setting. Empty values mean "unset" to the app (settings.py), so its defaults apply.
var appSettings = union({
  // The host's storage, by identity: shared keys are off.
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identity.outputs.clientId
  AzureWebJobsStorage__blobServiceUri: storage.outputs.blobEndpoint
  AzureWebJobsStorage__queueServiceUri: storage.outputs.queueEndpoint
  AzureWebJobsStorage__tableServiceUri: storage.outputs.tableEndpoint
  // The Durable Task Scheduler (host.json names both settings), by identity.
  DURABLE_TASK_SCHEDULER_CONNECTION_STRING: 'Endpoint=${scheduler.outputs.endpoint};TaskHub=${scheduler.outputs.taskHubName};Authentication=ManagedIdentity;ClientID=${identity.outputs.clientId}'
  TASKHUB_NAME: scheduler.outputs.taskHubName
  // DefaultAzureCredential in the app (Azure OpenAI, artifacts in blob storage) takes this identity.
  AZURE_CLIENT_ID: identity.outputs.clientId
  // Application Insights, by identity: its key authentication is off.
  APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.connectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.outputs.clientId};Authorization=AAD'
  MODEL_TIMEOUT_SECONDS: string(modelTimeoutSeconds)
  MODEL_MAX_OUTPUT_TOKENS: string(modelMaxOutputTokens)
  // Artifacts go to this container of the host's storage account (AzureWebJobsStorage__blobServiceUri).
  CONTENT_CONTAINER: contentContainer
  // The code folder is read-only in Azure; local files (the outbox when SMTP is not set) go to /tmp.
  LOCAL_DATA_DIR: '/tmp/agent-data'
  SMTP_HOST: smtpHost
  SMTP_PORT: smtpPort
  SMTP_USERNAME: smtpUsername
  SMTP_PASSWORD: empty(keyVault.outputs.smtpCredentialUri) ? '' : '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.smtpCredentialUri})'
  SMTP_SECURITY: smtpSecurity
  MAIL_FROM: mailFrom
  REVIEWER_EMAIL: reviewerEmail
  ESCALATION_EMAIL: escalationEmail
  PUBLIC_BASE_URL: publicBaseUrl
  REVIEW_LINK_KEY: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.reviewLinkKeySecretUri})'
}, openAiSettings)

module functionApp 'app/function-app.bicep' = {
  scope: rg
  name: 'function-app'
  params: {
    name: 'func-${token}'
    planName: 'plan-${token}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    appSettings: appSettings
    maximumInstanceCount: functionMaxInstances
    instanceMemoryMB: functionInstanceMemoryMB
  }
}

output AZURE_LOCATION string = location
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output FUNCTION_APP_URL string = functionApp.outputs.url
output DTS_DASHBOARD_URL string = scheduler.outputs.dashboardUrl
output DTS_ENDPOINT string = scheduler.outputs.endpoint
output TASKHUB_NAME string = scheduler.outputs.taskHubName
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_OPENAI_ENDPOINT string = deployOpenAi ? openAi!.outputs.endpoint : ''
output AZURE_OPENAI_MODEL string = deployOpenAi ? openAi!.outputs.deploymentName : ''
