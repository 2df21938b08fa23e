// Key Vault for the app's secrets (the SMTP password, the review link key), read by the platform through a Key Vault reference
// in the app settings with the app's identity (Key Vault Secrets User). Access is by Azure RBAC only.
param name string
param location string
param tags object
@secure()
@description('Stored as the secret smtp-password when storeSmtpPassword is true.')
param smtpPassword string
@secure()
@description('Stored as the secret review-link-key: signs review links and decisions. azd reads it back from here on every provision (secretOrRandomPassword in main.parameters.json), so it changes only when rotated.')
param reviewLinkKey string

@description('Whether an SMTP password was given: the outputs depend on this, never on the secure value itself.')
param storeSmtpPassword bool
param appPrincipalId string

var roles = loadJsonContent('../roles.json')

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
  }
}

resource smtpPasswordSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (storeSmtpPassword) {
  parent: vault
  name: 'smtp-password'
  properties: {
    value: smtpPassword
  }
}

resource reviewLinkKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'review-link-key'
  properties: {
    value: reviewLinkKey
  }
}

resource appReadsSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, appPrincipalId, roles.KeyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.KeyVaultSecretsUser)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output name string = vault.name
// Where the SMTP password is kept (not the password): the version is part of it, so a new password is a new app
// setting and is read at once.
output smtpCredentialUri string = storeSmtpPassword ? smtpPasswordSecret!.properties.secretUriWithVersion : ''
output reviewLinkKeySecretUri string = reviewLinkKeySecret.properties.secretUriWithVersion
