// Azure OpenAI with one model deployment. Keys are disabled: the app signs in with its identity, which
// holds Cognitive Services OpenAI User.
param name string
param location string
param tags object
param modelName string
param modelVersion string
@description('Deployment type, e.g. GlobalStandard (pay per token) or Standard (regional).')
param deploymentSkuName string
@description('Rate limit in thousands of tokens per minute.')
param capacity int
param appPrincipalId string

var roles = loadJsonContent('../roles.json')

resource openAiAccount 'Microsoft.CognitiveServices/accounts@2024-10-01' = {
  name: name
  location: location
  tags: tags
  kind: 'OpenAI'
  sku: {
    name: 'S0'
  }
  properties: {
    customSubDomainName: name
    disableLocalAuth: true
    publicNetworkAccess: 'Enabled'
  }
}

resource deployment 'Microsoft.CognitiveServices/accounts/deployments@2024-10-01' = {
  parent: openAiAccount
  name: modelName
  sku: {
    name: deploymentSkuName
    capacity: capacity
  }
  properties: {
    model: {
      format: 'OpenAI'
      name: modelName
      version: modelVersion
    }
  }
}

resource appCallsModel 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(openAiAccount.id, appPrincipalId, roles.CognitiveServicesOpenAIUser)
  scope: openAiAccount
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.CognitiveServicesOpenAIUser)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output endpoint string = openAiAccount.properties.endpoint
output deploymentName string = deployment.name
